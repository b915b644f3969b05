/* Unit tests for lib/depgraph.c: cycles found, and only where they are. */
#include <stdlib.h>
#include <string.h>

#include "depgraph.h"
#include "unit.h"

static void
test_depgraph__a_chain_has_no_cycle_and_a_ring_has_one(void)
{
	struct adac_dep *g = adac_dep_new();
	int v[4], start[1];

	check(g != NULL && adac_dep_add(g, 4, v) == 0);
	check_int(v[0], 0);
	check_int(v[3], 3);
	adac_dep_edge(g, 0, 1);
	adac_dep_edge(g, 1, 2);
	adac_dep_edge(g, 2, 3);
	start[0] = 0;
	check_int(adac_dep_has_cycle(g), 0);
	check_int(adac_dep_first_on_cycle(g, start, 1, v, 4), -1);
	/* 3 → 1 closes the ring 1 → 2 → 3 → 1; 0 leads into it, is not on it */
	adac_dep_edge(g, 3, 1);
	check_int(adac_dep_has_cycle(g), 1);
	check_int(adac_dep_first_on_cycle(g, start, 1, v, 4), 1);
	/* searched from 0 again, with fresh stamps: the same answer */
	check_int(adac_dep_first_on_cycle(g, start, 1, v + 2, 2), 0);
	adac_dep_free(g);
}

static void
test_depgraph__only_what_the_start_reaches_is_searched(void)
{
	struct adac_dep *g = adac_dep_new();
	int v[5], start[1];

	adac_dep_add(g, 5, v);
	adac_dep_edge(g, 0, 1);	/* 0 → 1, and apart from it a ring 2 ⇄ 3 */
	adac_dep_edge(g, 2, 3);
	adac_dep_edge(g, 3, 2);
	adac_dep_edge(g, 4, 4);	/* and a vertex that feeds itself */
	start[0] = 0;
	check_int(adac_dep_first_on_cycle(g, start, 1, v, 5), -1);
	start[0] = 3;
	check_int(adac_dep_first_on_cycle(g, start, 1, v, 5), 2);
	start[0] = 4;
	check_int(adac_dep_first_on_cycle(g, start, 1, v, 5), 4);
	check_int(adac_dep_has_cycle(g), 1);
	adac_dep_free(g);
}

static void
test_depgraph__a_long_chain_does_not_recurse(void)
{
	/* 10^6 vertices in a line: an iterative search, no stack overflow */
	long n = 1000000, k;
	struct adac_dep *g = adac_dep_new();
	int *v = malloc((size_t)n * sizeof *v), start[1] = {0};

	check(adac_dep_add(g, (int)n, v) == 0);
	for (k = 0; k + 1 < n; k++)
		adac_dep_edge(g, v[k], v[k + 1]);
	check_int(adac_dep_vertices(g), n);
	check_int(adac_dep_first_on_cycle(g, start, 1, v, (int)n), -1);
	adac_dep_edge(g, v[n - 1], v[0]);
	check_int(adac_dep_first_on_cycle(g, start, 1, v + n - 1, 1), 0);
	free(v);
	adac_dep_free(g);
}

int
main(void)
{
	RUN(test_depgraph__a_chain_has_no_cycle_and_a_ring_has_one);
	RUN(test_depgraph__only_what_the_start_reaches_is_searched);
	RUN(test_depgraph__a_long_chain_does_not_recurse);
	adac_dep_free(NULL);
	return unit_done();
}
