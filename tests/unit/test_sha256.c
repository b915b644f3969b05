/*
 * Unit tests for lib/sha256.c.  The expected digests are FIPS 180-2's
 * published examples (Appendix B) and coreutils' sha256sum, computed
 * outside this code; the split test checks that the block bookkeeping
 * does not depend on how the message arrives.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sha256.h"
#include "unit.h"

static void
check_digest(const char *message, const char *want)
{
	char hex[65];

	adac_sha256_hex(message, strlen(message), hex);
	check_str(hex, want);
}

static void
test_sha256__fips_180_2_examples(void)
{
	check_digest("abc",
		     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	check_digest("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	/* 448 bits: the padding needs a second block */
	check_digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void
test_sha256__a_million_a_fed_in_uneven_pieces(void)
{
	static const char want[] =
		"cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
	struct adac_sha256 s;
	unsigned char md[32];
	char a[1024], hex[65];
	size_t done = 0, piece = 1;
	int i;

	memset(a, 'a', sizeof a);
	adac_sha256_init(&s);
	while (done < 1000000) {
		size_t n = piece < 1000000 - done ? piece : 1000000 - done;

		adac_sha256_update(&s, a, n);
		done += n;
		piece = piece % 997 + 7;	/* 1, 8, 15 ... 1003: every phase of a block */
	}
	adac_sha256_final(&s, md);
	for (i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
	check_str(hex, want);
}

/* lengths around the padding's edges (55, 56, 63, 64 bytes mod 64) against sha256sum */
static void
test_sha256__agrees_with_sha256sum_at_every_length_to_200(void)
{
	char path[] = "/tmp/adac-sha256-XXXXXX", message[200], hex[65],
	     cmd[80], theirs[80];
	size_t n;
	int fd, bad = 0;
	FILE *f;

	for (n = 0; n < sizeof message; n++)
		message[n] = (char)('!' + (n * 7) % 90);
	fd = mkstemp(path);
	check_int(fd >= 0, 1);
	if (fd < 0)
		return;
	close(fd);
	for (n = 0; n <= sizeof message; n++) {
		f = fopen(path, "wb");
		if (f == NULL || fwrite(message, 1, n, f) != n || fclose(f) != 0)
			break;
		snprintf(cmd, sizeof cmd, "sha256sum %s", path);
		f = popen(cmd, "r");
		if (f == NULL || fgets(theirs, sizeof theirs, f) == NULL) {
			bad++;
			if (f != NULL)
				pclose(f);
			continue;
		}
		pclose(f);
		adac_sha256_hex(message, n, hex);
		if (strncmp(hex, theirs, 64) != 0) {
			fprintf(stderr, "length %zu: %s, sha256sum %.64s\n", n,
				hex, theirs);
			bad++;
		}
	}
	unlink(path);
	check_int((int)n, (int)sizeof message + 1);
	check_int(bad, 0);
}

int
main(void)
{
	RUN(test_sha256__fips_180_2_examples);
	RUN(test_sha256__a_million_a_fed_in_uneven_pieces);
	RUN(test_sha256__agrees_with_sha256sum_at_every_length_to_200);
	return unit_done();
}
