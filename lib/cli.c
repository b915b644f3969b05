#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ir.h"

static const char *prog_name = "adac";

void
adac_cli_init(const char *prog)
{
	const char *slash = strrchr(prog, '/');

	prog_name = slash != NULL ? slash + 1 : prog;
}

const char *
adac_cli_prog(void)
{
	return prog_name;
}

static int
is_stdio(const char *path)
{
	return path == NULL || strcmp(path, "-") == 0;
}

const char *
adac_cli_input_name(const char *path)
{
	return is_stdio(path) ? "<stdin>" : path;
}

int
adac_cli_read(const char *path, char **buf, size_t *len,
	      struct adac_error *err)
{
	return adac_read_file(path, ADAC_MAX_INPUT_BYTES, buf, len, err);
}

static int
write_in_place(const char *path, const void *data, size_t len,
	       struct adac_error *err)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (f == NULL)
		return adac_error_set(err, ADAC_E_IO, "", "cannot write: %s",
				      strerror(errno));
	ok = fwrite(data, 1, len, f) == len;
	if (fclose(f) != 0 || !ok)
		return adac_error_set(err, ADAC_E_IO, "", "cannot write: %s",
				      strerror(errno));
	return ADAC_OK;
}

int
adac_cli_write(const char *path, const void *data, size_t len,
	       struct adac_error *err)
{
	struct stat st;
	mode_t mode, mask;
	char *tmp;
	FILE *f;
	int fd, rc = ADAC_OK;

	if (is_stdio(path)) {
		if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0)
			return adac_error_set(err, ADAC_E_IO, "",
					      "cannot write: %s",
					      strerror(errno));
		return ADAC_OK;
	}
	/*
	 * Renaming over a device or a FIFO would replace it (-o /dev/null
	 * run as root turns /dev/null into a file): write those in place.
	 */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return write_in_place(path, data, len, err);
	/*
	 * The file we replace keeps its permissions (a private 0600 report
	 * stays private); a new one gets what open() would give it.
	 */
	if (stat(path, &st) == 0) {
		mode = st.st_mode & 07777;
	} else {
		mask = umask(0);
		umask(mask);
		mode = 0666 & ~mask;
	}
	tmp = malloc(strlen(path) + 16);
	if (tmp == NULL)
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	sprintf(tmp, "%s.tmp.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		/* the temporary's name is ours, not the user's: not in it */
		rc = adac_error_set(err, ADAC_E_IO, "", "cannot write: %s",
				    strerror(errno));
		free(tmp);
		return rc;
	}
	f = fdopen(fd, "wb");
	if (f == NULL || fwrite(data, 1, len, f) != len || fflush(f) != 0) {
		rc = adac_error_set(err, ADAC_E_IO, "", "cannot write: %s",
				    strerror(errno));
		if (f != NULL)
			fclose(f);
		else
			close(fd);
		unlink(tmp);
		free(tmp);
		return rc;
	}
	fchmod(fd, mode);
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		rc = adac_error_set(err, ADAC_E_IO, "", "cannot write: %s",
				    strerror(errno));
		unlink(tmp);
	}
	free(tmp);
	return rc;
}

int
adac_cli_output(const char *path, const void *data, size_t len)
{
	struct adac_error err;

	if (adac_cli_write(path, data, len, &err) == ADAC_OK)
		return 0;
	return adac_cli_fail(is_stdio(path) ? "<stdout>" : path, &err);
}

/*
 * Write s with its control characters escaped (\n, \t, \r, \xNN), so
 * that a message is one line whatever the input it quotes holds: a
 * newline in a malformed document's "near" snippet or in a file name.
 */
static void
put_escaped(FILE *f, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p >= 0x20 && *p != 0x7f) {
			fputc(*p, f);
			continue;
		}
		fputc('\\', f);
		switch (*p) {
		case '\n': fputc('n', f); break;
		case '\t': fputc('t', f); break;
		case '\r': fputc('r', f); break;
		default:
			fputc('x', f);
			fputc(hex[*p >> 4], f);
			fputc(hex[*p & 15], f);
		}
	}
}

/* "prog: KIND: " then the formatted text, escaped, and a newline. */
static void
vmessage(const char *kind, const char *fmt, va_list ap)
{
	char small[512], *text = small;
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(small, sizeof small, fmt, aq);
	va_end(aq);
	if (n >= (int)sizeof small && (text = malloc((size_t)n + 1)) != NULL)
		vsnprintf(text, (size_t)n + 1, fmt, ap);
	else if (text == NULL)
		text = small;	/* out of memory: the truncated text will do */
	fprintf(stderr, "%s: %s: ", prog_name, kind);
	put_escaped(stderr, n < 0 ? fmt : text);
	fputc('\n', stderr);
	if (text != small)
		free(text);
}

int
adac_cli_fail(const char *input, const struct adac_error *err)
{
	fprintf(stderr, "%s: error: ", prog_name);
	if (input != NULL && input[0] != '\0') {
		put_escaped(stderr, input);
		fputs(": ", stderr);
	}
	if (err->pointer[0] != '\0') {
		put_escaped(stderr, err->pointer);
		fputs(": ", stderr);
	}
	put_escaped(stderr, err->text);
	fputc('\n', stderr);
	return adac_exit_status(err->code);
}

int
adac_cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("error", fmt, ap);
	va_end(ap);
	return 2;
}

void
adac_cli_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("warning", fmt, ap);
	va_end(ap);
}

int
adac_cli_option_error(int c, char *const argv[])
{
	const char *arg = optind > 0 ? argv[optind - 1] : NULL;
	char name[128];
	int is_long = arg != NULL && strncmp(arg, "--", 2) == 0;

	/*
	 * getopt_long() leaves optopt 0 for an unknown long option and the
	 * option's character otherwise; a long option is named as written,
	 * without its "=value".
	 */
	if (is_long && (c == ':' || optopt == 0 || strchr(arg, '=') != NULL))
		snprintf(name, sizeof name, "%.*s", (int)strcspn(arg, "="), arg);
	else if (optopt > 0 && optopt < 128)
		snprintf(name, sizeof name, "-%c", optopt);
	else
		snprintf(name, sizeof name, "%s", arg != NULL ? arg : "?");
	if (c == ':')
		return adac_cli_usage_error("option '%s' needs a value; see '%s --help'",
					    name, prog_name);
	if (is_long && optopt != 0)
		return adac_cli_usage_error("option '%s' takes no value; see '%s --help'",
					    name, prog_name);
	return adac_cli_usage_error("unknown option '%s'; see '%s --help'",
				    name, prog_name);
}

/* s as a number: the whole of it, finite; 0 or -1 */
static int
parse_number(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

int
adac_cli_number(const char *opt, const char *s, double lo, double hi,
		double *out)
{
	double v;

	if (parse_number(s, &v) != 0 || !(v >= lo && v <= hi))
		return adac_cli_usage_error("%s: '%s' is not a number from %.15g "
					    "to %.15g", opt, s, lo, hi);
	*out = v;
	return 0;
}

int
adac_cli_whole(const char *opt, const char *s, long lo, long hi, long *out)
{
	double v;

	if (parse_number(s, &v) != 0 || v != floor(v) ||
	    !(v >= (double)lo && v <= (double)hi))
		return adac_cli_usage_error("%s: '%s' is not a whole number "
					    "from %ld to %ld", opt, s, lo, hi);
	*out = (long)v;
	return 0;
}

int
adac_cli_backend(const char *s, int with_auto,
		 enum adac_faust_backend *backend, int *is_auto)
{
	*is_auto = 0;
	if (strcmp(s, "llvm") == 0) {
		*backend = ADAC_FAUST_LLVM;
	} else if (strcmp(s, "interp") == 0) {
		*backend = ADAC_FAUST_INTERP;
	} else if (with_auto && strcmp(s, "auto") == 0) {
		*backend = ADAC_FAUST_INTERP;
		*is_auto = 1;
	} else {
		return adac_cli_usage_error("--backend: '%s' is not %s", s,
					    with_auto ? "auto, llvm or interp" :
					    "llvm or interp");
	}
	return 0;
}

int
adac_cli_version(void)
{
	printf("%s %s (%s)\n", prog_name, ADAC_VERSION, ADAC_IR_VERSION);
	return fclose(stdout) == 0 ? 0 : 3;
}
