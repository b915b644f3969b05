#ifndef ADAC_SHA256_H
#define ADAC_SHA256_H

/*
 * SHA-256 (FIPS 180-4), for the IR's hash: the certificate binds itself
 * to the document's canonical text through it.  Written here rather than
 * taken from libcrypto because loading and initialising OpenSSL cost
 * every stage of a pipeline more time than its own work (docs/NOTES.md,
 * start-up), for one digest of a few kilobytes.
 */

#include <stddef.h>
#include <stdint.h>

struct adac_sha256 {
	uint32_t h[8];		/* the chaining value */
	uint64_t length;	/* bytes hashed so far */
	unsigned char block[64];	/* a partial block */
	size_t used;		/* bytes of block in use */
};

void adac_sha256_init(struct adac_sha256 *s);
void adac_sha256_update(struct adac_sha256 *s, const void *data, size_t n);
void adac_sha256_final(struct adac_sha256 *s, unsigned char digest[32]);

/* digest of n bytes at data, as 64 lower-case hex digits and a NUL */
void adac_sha256_hex(const void *data, size_t n, char hex[65]);

#endif
