/*
 * test_file.c - reading a whole input: the bytes, the limit, the errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "unit.h"

/* A temporary file holding n bytes of data; its name in path. */
static int
make_file(char path[64], const char *data, size_t n)
{
	FILE *f;
	int fd;

	snprintf(path, 64, "/tmp/adac-test-file.XXXXXX");
	if ((fd = mkstemp(path)) < 0 || (f = fdopen(fd, "wb")) == NULL)
		return -1;
	if (fwrite(data, 1, n, f) != n) {
		fclose(f);
		return -1;
	}
	return fclose(f);
}

static void
test_file__every_byte_is_read_and_the_buffer_ends_in_nul(void)
{
	/* a NUL inside the data is kept: the length, not strlen, counts */
	static const char data[] = "{\"a\":\0\"b\"}";
	struct adac_error err;
	char path[64], *buf = NULL;
	size_t len = 0;

	check(make_file(path, data, sizeof data - 1) == 0);
	check_int(adac_read_file(path, 1000, &buf, &len, &err), ADAC_OK);
	check_int(len, sizeof data - 1);
	check(buf != NULL && memcmp(buf, data, len) == 0 && buf[len] == '\0');
	free(buf);
	unlink(path);
}

static void
test_file__an_input_over_the_limit_is_bad_input(void)
{
	struct adac_error err;
	char path[64], *buf = NULL;
	size_t len = 7;

	/* 11 bytes: exactly at a limit of 11 is read, above 10 is refused */
	check(make_file(path, "hello world", 11) == 0);
	check_int(adac_read_file(path, 11, &buf, &len, &err), ADAC_OK);
	check_int(len, 11);
	free(buf);
	buf = NULL;
	len = 7;
	check_int(adac_read_file(path, 10, &buf, &len, &err), ADAC_E_INPUT);
	check_str(err.text, "input is larger than 10 bytes");
	check(buf == NULL);
	check_int(len, 7);
	unlink(path);
}

static void
test_file__a_text_with_a_nul_byte_is_bad_input_naming_the_offset(void)
{
	/* as a C string it would end at the NUL: "process = _;" cut short */
	static const char data[] = "process\0 = _;";
	struct adac_error err;
	char path[64], *buf = NULL;

	check(make_file(path, data, sizeof data - 1) == 0);
	check_int(adac_read_text(path, 1000, &buf, &err), ADAC_E_INPUT);
	check_str(err.text, "holds a NUL byte at offset 7");
	check(buf == NULL);
	unlink(path);
	check(make_file(path, "process = _;", 12) == 0);
	check_int(adac_read_text(path, 1000, &buf, &err), ADAC_OK);
	check_str(buf, "process = _;");
	free(buf);
	unlink(path);
}

static void
test_file__a_missing_file_is_an_io_error(void)
{
	struct adac_error err;
	char *buf = NULL;
	size_t len = 0;

	check_int(adac_read_file("/nonexistent/adac/x.json", 100, &buf, &len,
				 &err), ADAC_E_IO);
	check_str(err.text, "cannot open: No such file or directory");
	check_str(err.pointer, "");
	check(buf == NULL);
}

int
main(void)
{
	RUN(test_file__every_byte_is_read_and_the_buffer_ends_in_nul);
	RUN(test_file__an_input_over_the_limit_is_bad_input);
	RUN(test_file__a_text_with_a_nul_byte_is_bad_input_naming_the_offset);
	RUN(test_file__a_missing_file_is_an_io_error);
	return unit_done();
}
