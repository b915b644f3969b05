/*
 * The init values of hidden sliders and number entries in a FAUST text:
 * what changed between two texts that differ only in them, and what each
 * one is exactly (see faust_values.h).
 */
#include "faust_values.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct scan {
	char *norm;		/* the text with each live init cut out */
	size_t len;
	char **labels;
	double *values;
	int n, cap;
};

static int
is_ident(int c)
{
	return isalnum(c) || c == '_' || c == '.';
}

static const char *
skip_space(const char *p)
{
	while (isspace((unsigned char)*p))
		p++;
	return p;
}

/* The end of a "..." literal starting at p (after the closing quote). */
static const char *
string_end(const char *p)
{
	for (p++; *p != '\0' && *p != '"'; p++)
		if (*p == '\\' && p[1] != '\0')
			p++;
	return *p == '"' ? p + 1 : NULL;
}

/* The label without [metadata] and without enclosing group paths. */
static char *
bare_label(const char *s, size_t n)
{
	char *out = malloc(n + 1), *q = out, *slash;
	size_t i;
	int depth = 0;

	if (out == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (s[i] == '[')
			depth++;
		else if (s[i] == ']' && depth > 0)
			depth--;
		else if (depth == 0)
			*q++ = s[i];
	}
	*q = '\0';
	slash = strrchr(out, '/');
	if (slash != NULL)
		memmove(out, slash + 1, strlen(slash + 1) + 1);
	/* FAUST trims the label */
	q = out + strlen(out);
	while (q > out && isspace((unsigned char)q[-1]))
		*--q = '\0';
	q = out;
	while (isspace((unsigned char)*q))
		q++;
	memmove(out, q, strlen(q) + 1);
	return out;
}

static int
has_hidden(const char *s, size_t n)
{
	static const char key[] = "[hidden:1]";
	size_t k = sizeof key - 1, i;

	for (i = 0; i + k <= n; i++)
		if (memcmp(s + i, key, k) == 0)
			return 1;
	return 0;
}

/*
 * At p, just after an nentry/hslider/vslider identifier: when this is a
 * live value, set [*num, *num_end) to its init and return its label.
 */
static char *
live_value(const char *p, const char **num, const char **num_end, double *v)
{
	const char *lab, *lab_end, *e;
	char *end;

	p = skip_space(p);
	if (*p != '(')
		return NULL;
	p = skip_space(p + 1);
	if (*p != '"')
		return NULL;
	lab = p + 1;
	e = string_end(p);
	if (e == NULL)
		return NULL;
	lab_end = e - 1;
	if (!has_hidden(lab, lab_end - lab))
		return NULL;
	p = skip_space(e);
	if (*p != ',')
		return NULL;
	p = skip_space(p + 1);
	if (!(isdigit((unsigned char)*p) || *p == '-' || *p == '+' || *p == '.'))
		return NULL;
	*v = strtod(p, &end);
	if (end == p || !isfinite(*v))
		return NULL;
	/* a plain number: "0.5f" or an expression like "0.5*2" is not */
	if (*skip_space(end) != ',')
		return NULL;
	for (e = p; e < end; e++)
		if (*e == 'x' || *e == 'X' || *e == 'n' || *e == 'N' ||
		    *e == 'i' || *e == 'I')
			return NULL;	/* hex, nan, inf: not FAUST numbers */
	*num = p;
	*num_end = end;
	return bare_label(lab, lab_end - lab);
}

static void
scan_free(struct scan *s)
{
	int i;

	free(s->norm);
	for (i = 0; i < s->n; i++)
		free(s->labels[i]);
	free(s->labels);
	free(s->values);
}

static int
scan_add(struct scan *s, char *label, double v)
{
	if (s->n == s->cap) {
		int cap = s->cap ? 2 * s->cap : 16;
		char **l = realloc(s->labels, cap * sizeof *l);
		double *d;

		if (l == NULL)
			return -1;
		s->labels = l;
		d = realloc(s->values, cap * sizeof *d);
		if (d == NULL)
			return -1;
		s->values = d;
		s->cap = cap;
	}
	s->labels[s->n] = label;
	s->values[s->n++] = v;
	return 0;
}

static int
scan(const char *src, struct scan *s)
{
	const char *p = src, *num, *num_end, *e;
	char *q, *label;
	double v;

	s->norm = malloc(strlen(src) + 1);
	if (s->norm == NULL)
		return -1;
	q = s->norm;
	while (*p != '\0') {
		/* comments do not change the program: leave them out */
		if (p[0] == '/' && p[1] == '/') {
			while (*p != '\0' && *p != '\n')
				p++;
			*q++ = ' ';
			continue;
		}
		if (p[0] == '/' && p[1] == '*') {
			e = strstr(p + 2, "*/");
			p = e != NULL ? e + 2 : p + strlen(p);
			*q++ = ' ';
			continue;
		}
		/* nor does the layout: a run of white space is one space */
		if (isspace((unsigned char)*p)) {
			while (isspace((unsigned char)*p))
				p++;
			*q++ = ' ';
			continue;
		}
		if (*p == '"') {
			e = string_end(p);
			if (e == NULL)
				e = p + strlen(p);
			while (p < e)
				*q++ = *p++;
			continue;
		}
		if (is_ident((unsigned char)*p) &&
		    (p == src || !is_ident((unsigned char)p[-1]))) {
			const char *id = p;

			while (is_ident((unsigned char)*p))
				p++;
			memcpy(q, id, p - id);
			q += p - id;
			if (!((p - id == 6 && memcmp(id, "nentry", 6) == 0) ||
			      (p - id == 7 && memcmp(id, "hslider", 7) == 0) ||
			      (p - id == 7 && memcmp(id, "vslider", 7) == 0)))
				continue;
			label = live_value(p, &num, &num_end, &v);
			if (label == NULL)
				continue;
			if (scan_add(s, label, v) != 0) {
				free(label);
				return -1;
			}
			memcpy(q, p, num - p);
			q += num - p;
			*q++ = '\1';	/* where the value was */
			p = num_end;
			continue;
		}
		*q++ = *p++;
	}
	*q = '\0';
	s->len = q - s->norm;
	return 0;
}

int
adac_faust_values_diff(const char *old_source, const char *new_source,
		      char ***labels, double **values, int *count)
{
	struct scan a, b;
	char **l = NULL;
	double *v = NULL;
	int i, n = 0, rc = 0;

	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	if (scan(old_source, &a) != 0 || scan(new_source, &b) != 0) {
		rc = -1;
		goto out;
	}
	if (a.n != b.n || a.len != b.len || strcmp(a.norm, b.norm) != 0)
		goto out;
	for (i = 0; i < a.n; i++)
		if (strcmp(a.labels[i], b.labels[i]) != 0)
			goto out;
	l = calloc(b.n + 1, sizeof *l);
	v = calloc(b.n + 1, sizeof *v);
	if (l == NULL || v == NULL) {
		rc = -1;
		goto out;
	}
	for (i = 0; i < b.n; i++) {
		if (a.values[i] == b.values[i])
			continue;
		l[n] = b.labels[i];
		b.labels[i] = NULL;
		v[n++] = b.values[i];
	}
	*labels = l;
	*values = v;
	*count = n;
	l = NULL;
	v = NULL;
	rc = 1;
out:
	free(l);
	free(v);
	scan_free(&a);
	scan_free(&b);
	return rc;
}

int
adac_faust_values_list(const char *source, char ***labels, double **values,
		       int *count)
{
	struct scan a;

	memset(&a, 0, sizeof a);
	if (scan(source, &a) != 0) {
		scan_free(&a);
		return -1;
	}
	*labels = a.labels;
	*values = a.values;
	*count = a.n;
	free(a.norm);
	return 0;
}

void
adac_faust_values_free(char **labels, double *values, int count)
{
	int i;

	if (labels != NULL)
		for (i = 0; i < count; i++)
			free(labels[i]);
	free(labels);
	free(values);
}
