/*
 * depgraph.h - the zero-delay dependence graph of a block diagram: one
 * vertex per scalar signal, an edge from u to v when v depends on u at
 * the same sample.  Validation (lib/ir.c) builds it node by node and asks,
 * at each feedback node, whether closing the loop made a cycle.
 *
 * Memory and time are linear in the vertices and edges: the graph never
 * holds a channels × channels matrix, so a wide document costs what its
 * text costs.  adac_dep_new() pairs with adac_dep_free(); free(NULL)
 * does nothing.
 */
#ifndef ADAC_DEPGRAPH_H
#define ADAC_DEPGRAPH_H

struct adac_dep;

/* A new empty graph, or NULL when out of memory. */
struct adac_dep *adac_dep_new(void);
void adac_dep_free(struct adac_dep *g);

/* Vertices so far. */
long adac_dep_vertices(const struct adac_dep *g);

/*
 * Add n fresh vertices and write their numbers to ids[0 .. n).  Returns
 * 0, or -1 when out of memory or past INT_MAX vertices.
 */
int adac_dep_add(struct adac_dep *g, int n, int *ids);

/* The edge from → to (to depends on from).  0, or -1 out of memory. */
int adac_dep_edge(struct adac_dep *g, int from, int to);

/*
 * Look for cycles among the vertices reachable from start[0 .. n_start)
 * and return the least k such that target[k] lies on one, -1 when no
 * target does (in particular when no cycle is reachable), or -2 when out
 * of memory.  Linear in the vertices and edges reached (Tarjan's
 * strongly connected components, iteratively).
 */
int adac_dep_first_on_cycle(struct adac_dep *g, const int *start,
			    int n_start, const int *target, int n_target);

/* 1 when the graph has a cycle, 0 when not, -2 out of memory; linear. */
int adac_dep_has_cycle(struct adac_dep *g);

#endif
