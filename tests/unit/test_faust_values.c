/* Unit tests for lib/faust_values.c: the live values of a FAUST text. */
#include <stdlib.h>
#include <string.h>

#include "faust_values.h"
#include "unit.h"

static void
test_faust_values__diff_finds_changed_hidden_inits(void)
{
	static const char *a =
		"// c\ng1 = nentry(\"h:fdn/g1[hidden:1]\", 0.5, -1, 1, 0);\n"
		"g2 = hslider(\"g2 [hidden:1][unit:x]\", 1e-3, 0, 1, 0);\n"
		"v = hslider(\"gain\", 0.5, 0, 1, 0.01);\nprocess = g1 * g2 * v;\n";
	static const char *b =
		"// c\ng1 = nentry(\"h:fdn/g1[hidden:1]\", -0.25, -1, 1, 0);\n"
		"g2 = hslider(\"g2 [hidden:1][unit:x]\", 1e-3, 0, 1, 0);\n"
		"v = hslider(\"gain\", 0.5, 0, 1, 0.01);\nprocess = g1 * g2 * v;\n";
	char **labels = NULL;
	double *values = NULL;
	int n = -1;

	check_int(adac_faust_values_diff(a, b, &labels, &values, &n), 1);
	check_int(n, 1);
	if (n == 1) {
		check_str(labels[0], "g1");
		check(values[0] == -0.25);
	}
	adac_faust_values_free(labels, values, n);
	check_int(adac_faust_values_diff(a, a, &labels, &values, &n), 1);
	check_int(n, 0);
	adac_faust_values_free(labels, values, n);
}

static void
test_faust_values__diff_refuses_other_changes(void)
{
	char **l;
	double *v;
	int n;

	/* a visible slider's init is structure as far as reloads go */
	check_int(adac_faust_values_diff("x = hslider(\"a\", 1, 0, 2, 0);",
					"x = hslider(\"a\", 2, 0, 2, 0);", &l, &v, &n), 0);
	/* a changed range, an expression, a comment */
	check_int(adac_faust_values_diff("x = nentry(\"a[hidden:1]\", 1, 0, 2, 0);",
					"x = nentry(\"a[hidden:1]\", 1, 0, 3, 0);", &l, &v, &n), 0);
	check_int(adac_faust_values_diff("x = nentry(\"a[hidden:1]\", 1*2, 0, 2, 0);",
					"x = nentry(\"a[hidden:1]\", 1*3, 0, 2, 0);", &l, &v, &n), 0);
	check_int(adac_faust_values_diff("process = 1;", "process = 2;", &l, &v, &n), 0);
	check_int(adac_faust_values_diff("process = 1;", "process = 1.0;", &l, &v, &n), 0);
	check_int(adac_faust_values_diff("a = \"x y\";", "a = \"x  y\";", &l, &v, &n), 0);
}

static void
test_faust_values__diff_ignores_comments_and_layout(void)
{
	char **l;
	double *v;
	int n = -1;

	/* a changed comment (an emitter's certificate hash) changes nothing */
	check_int(adac_faust_values_diff("// 1\nprocess = 1; /* a */",
					"// 2\nprocess = 1; /* b */", &l, &v, &n), 1);
	check_int(n, 0);
	adac_faust_values_free(l, v, n);
	/* nor does the layout outside strings */
	l = NULL;
	v = NULL;
	n = 0;
	check_int(adac_faust_values_diff("process =\n\t1, 2;", "process = 1,\n 2;",
					&l, &v, &n), 1);
	check_int(n, 0);
	adac_faust_values_free(l, v, n);
	/* and a live-looking value in a comment is not one */
	l = NULL;
	v = NULL;
	n = 0;
	check_int(adac_faust_values_diff("// nentry(\"a[hidden:1]\", 1, 0, 2, 0)\n",
					"// nentry(\"a[hidden:1]\", 2, 0, 2, 0)\n", &l, &v, &n), 1);
	check_int(n, 0);
	adac_faust_values_free(l, v, n);
}

static void
test_faust_values__list_gives_every_init_with_all_its_digits(void)
{
	static const char *src =
		"a = nentry(\"v0[hidden:1]\", 0.24988747467610295, -1e9, 1e9, 0);\n"
		"b = hslider(\"h:x/v1 [hidden:1]\", -1e-300, -1, 1, 0);\n"
		"c = hslider(\"seen\", 0.5, 0, 1, 0.01);\n"
		"// d = nentry(\"v2[hidden:1]\", 3, 0, 9, 0);\n"
		"process = a + b + c;\n";
	char **labels = NULL;
	double *values = NULL;
	int n = -1;

	check_int(adac_faust_values_list(src, &labels, &values, &n), 0);
	check_int(n, 2);
	if (n == 2) {
		check_str(labels[0], "v0");
		check(values[0] == 0.24988747467610295);
		check_str(labels[1], "v1");
		check(values[1] == -1e-300);
	}
	adac_faust_values_free(labels, values, n);
}

int
main(void)
{
	RUN(test_faust_values__diff_finds_changed_hidden_inits);
	RUN(test_faust_values__diff_refuses_other_changes);
	RUN(test_faust_values__diff_ignores_comments_and_layout);
	RUN(test_faust_values__list_gives_every_init_with_all_its_digits);
	return unit_done();
}
