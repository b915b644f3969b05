#include "file.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
adac_read_file(const char *path, size_t max_bytes, char **buf, size_t *len,
	       struct adac_error *err)
{
	FILE *f;
	char *b = NULL, *t;
	size_t n = 0, cap = 0, got;
	int is_stdin = path == NULL || strcmp(path, "-") == 0;
	int rc = ADAC_OK;

	f = is_stdin ? stdin : fopen(path, "rb");
	if (f == NULL)
		return adac_error_set(err, ADAC_E_IO, "", "cannot open: %s",
				      strerror(errno));
	for (;;) {
		if (n + 65536 + 1 > cap) {
			cap = cap ? 2 * cap : 65536 * 2;
			t = realloc(b, cap);
			if (t == NULL) {
				rc = adac_error_set(err, ADAC_E_NOMEM, "",
						    "out of memory");
				goto out;
			}
			b = t;
		}
		got = fread(b + n, 1, cap - n - 1, f);
		n += got;
		if (n > max_bytes) {
			rc = adac_error_set(err, ADAC_E_INPUT, "",
					    "input is larger than %zu bytes",
					    max_bytes);
			goto out;
		}
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		rc = adac_error_set(err, ADAC_E_IO, "", "read failed: %s",
				    strerror(errno));
		goto out;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	b = NULL;
out:
	if (!is_stdin)
		fclose(f);
	free(b);
	return rc;
}

int
adac_read_text(const char *path, size_t max_bytes, char **buf,
	       struct adac_error *err)
{
	char *b;
	size_t len, at;
	int rc;

	if ((rc = adac_read_file(path, max_bytes, &b, &len, err)) != ADAC_OK)
		return rc;
	if ((at = strlen(b)) != len) {
		free(b);
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "holds a NUL byte at offset %zu", at);
	}
	*buf = b;
	return ADAC_OK;
}

int
adac_write_file(const char *path, const void *data, size_t len,
		struct adac_error *err)
{
	FILE *f = fopen(path, "wb");
	int bad;

	if (f == NULL)
		return adac_error_set(err, ADAC_E_IO, "", "%s: cannot write: %s",
				      path, strerror(errno));
	bad = fwrite(data, 1, len, f) != len;
	bad |= fclose(f) != 0;
	if (bad)
		return adac_error_set(err, ADAC_E_IO, "", "%s: cannot write: %s",
				      path, strerror(errno));
	return ADAC_OK;
}

void
adac_remove_tree(const char *dir)
{
	char path[4200];
	struct dirent *e;
	DIR *d = opendir(dir);

	if (d != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 ||
			    strcmp(e->d_name, "..") == 0 ||
			    snprintf(path, sizeof path, "%s/%s", dir,
				     e->d_name) >= (int)sizeof path)
				continue;
			if (unlink(path) != 0)	/* a directory */
				adac_remove_tree(path);
		}
		closedir(d);
	}
	rmdir(dir);
}
