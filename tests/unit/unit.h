/*
 * unit.h - the smallest test harness that does the job: one "ok N - name"
 * or "not ok N - name" line per test function (TAP), a summary count, and
 * an exit status of 1 when anything failed.
 *
 *	static void test_json__roundtrip(void) { check(x == y); }
 *	int main(void) { RUN(test_json__roundtrip); return unit_done(); }
 *
 * check_near(a, b, tol) states its tolerance; say where the tolerance
 * comes from in a comment beside it.
 */
#ifndef ADAC_UNIT_H
#define ADAC_UNIT_H

#include <math.h>
#include <stdio.h>

static int unit_n, unit_failed, unit_case_failed;

#define check(cond) do { \
	if (!(cond)) { \
		printf("#   %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		unit_case_failed = 1; \
	} } while (0)

#define check_le(a, b) do { \
	double unit_a = (a), unit_b = (b); \
	if (!(unit_a <= unit_b)) { \
		printf("#   %s:%d: %s <= %s failed: %.17g > %.17g\n", \
		       __FILE__, __LINE__, #a, #b, unit_a, unit_b); \
		unit_case_failed = 1; \
	} } while (0)

#define check_near(a, b, tol) do { \
	double unit_a = (a), unit_b = (b), unit_t = (tol); \
	if (!(fabs(unit_a - unit_b) <= unit_t)) { \
		printf("#   %s:%d: |%s - %s| <= %s failed: %.17g vs %.17g\n", \
		       __FILE__, __LINE__, #a, #b, #tol, unit_a, unit_b); \
		unit_case_failed = 1; \
	} } while (0)

#define check_int(a, b) do { \
	long unit_a = (long)(a), unit_b = (long)(b); \
	if (unit_a != unit_b) { \
		printf("#   %s:%d: %s == %s failed: %ld != %ld\n", \
		       __FILE__, __LINE__, #a, #b, unit_a, unit_b); \
		unit_case_failed = 1; \
	} } while (0)

#define check_str(a, b) do { \
	const char *unit_a = (a), *unit_b = (b); \
	if (unit_a == NULL || unit_b == NULL || strcmp(unit_a, unit_b) != 0) { \
		printf("#   %s:%d: %s == %s failed: \"%s\" != \"%s\"\n", \
		       __FILE__, __LINE__, #a, #b, unit_a ? unit_a : "(null)", \
		       unit_b ? unit_b : "(null)"); \
		unit_case_failed = 1; \
	} } while (0)

#define RUN(fn) do { \
	unit_case_failed = 0; \
	fn(); \
	unit_n++; \
	if (unit_case_failed) unit_failed++; \
	printf("%sok %d - %s\n", unit_case_failed ? "not " : "", unit_n, #fn); \
	fflush(stdout); \
	} while (0)

static inline int
unit_done(void)
{
	printf("1..%d\n", unit_n);
	return unit_failed != 0;
}

#endif
