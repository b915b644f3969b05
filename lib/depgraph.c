/*
 * depgraph.c - adjacency lists in flat arrays and an iterative Tarjan.
 *
 * Edges are kept as singly linked lists threaded through two arrays
 * (head[v] → next[e] → ...), so adding one is O(1) and the graph costs
 * 4 bytes per vertex and 8 per edge.  The search's scratch arrays are
 * stamped with the number of the search that wrote them, so that one
 * search never clears what another left behind: each costs only what it
 * reaches.
 */
#include "depgraph.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

struct frame {
	int v, e;	/* the vertex and its next edge to follow */
};

struct adac_dep {
	int nv, cap_v;
	int *head;		/* first edge out of v, or -1 */
	long ne, cap_e;
	int *to, *next;		/* edge e goes to to[e]; then next[e] */
	/* search scratch, valid where stamp[v] == sid */
	int sid, cap_s;
	int *stamp, *index, *low, *cycle;	/* cycle[v] == sid: on one */
	unsigned char *on_stack;
	int *scc;		/* Tarjan's stack of vertices */
	struct frame *call;	/* the depth-first search's own stack */
};

struct adac_dep *
adac_dep_new(void)
{
	return calloc(1, sizeof(struct adac_dep));
}

void
adac_dep_free(struct adac_dep *g)
{
	if (g == NULL)
		return;
	free(g->head);
	free(g->to);
	free(g->next);
	free(g->stamp);
	free(g->index);
	free(g->low);
	free(g->cycle);
	free(g->on_stack);
	free(g->scc);
	free(g->call);
	free(g);
}

long
adac_dep_vertices(const struct adac_dep *g)
{
	return g->nv;
}

int
adac_dep_add(struct adac_dep *g, int n, int *ids)
{
	int i, cap;
	int *t;

	if (n < 0 || g->nv > INT_MAX - 1 - n)
		return -1;
	if (g->nv + n > g->cap_v) {
		cap = g->cap_v ? g->cap_v : 256;
		while (cap < g->nv + n)
			cap = cap > INT_MAX / 2 ? INT_MAX - 1 : cap * 2;
		t = realloc(g->head, (size_t)cap * sizeof *t);
		if (t == NULL)
			return -1;
		g->head = t;
		g->cap_v = cap;
	}
	for (i = 0; i < n; i++) {
		g->head[g->nv] = -1;
		ids[i] = g->nv++;
	}
	return 0;
}

int
adac_dep_edge(struct adac_dep *g, int from, int to)
{
	long cap;
	int *a, *b;

	if (g->ne == g->cap_e) {
		cap = g->cap_e ? 2 * g->cap_e : 256;
		if (cap > INT_MAX)
			return -1;
		a = realloc(g->to, (size_t)cap * sizeof *a);
		if (a == NULL)
			return -1;
		g->to = a;
		b = realloc(g->next, (size_t)cap * sizeof *b);
		if (b == NULL)
			return -1;
		g->next = b;
		g->cap_e = cap;
	}
	g->to[g->ne] = to;
	g->next[g->ne] = g->head[from];
	g->head[from] = (int)g->ne++;
	return 0;
}

/* Size the scratch arrays to the vertices; new entries are unstamped. */
static int
scratch(struct adac_dep *g)
{
	int old = g->cap_s, n = g->cap_v;
	void *p;

	if (n <= old)
		return 0;
#define GROW(field) do { \
		p = realloc(g->field, (size_t)n * sizeof *g->field); \
		if (p == NULL) \
			return -1; \
		g->field = p; \
	} while (0)
	GROW(stamp);
	GROW(index);
	GROW(low);
	GROW(cycle);
	GROW(on_stack);
	GROW(scc);
	GROW(call);
#undef GROW
	memset(g->stamp + old, 0, (size_t)(n - old) * sizeof *g->stamp);
	memset(g->cycle + old, 0, (size_t)(n - old) * sizeof *g->cycle);
	g->cap_s = n;
	return 0;
}

/*
 * Tarjan's algorithm from v, unless this search (sid) has been there:
 * every vertex reached is stamped, and those in a strongly connected
 * component of more than one vertex (or with an edge to itself) get
 * cycle[] = sid.  Returns 1 when it found such a component.
 */
static int
tarjan_from(struct adac_dep *g, int v, int sid, int *counter)
{
	int top = 0, sp = 0, found = 0, w, e, j, k;

	if (g->stamp[v] == sid)
		return 0;
	g->stamp[v] = sid;
	g->index[v] = g->low[v] = (*counter)++;
	g->on_stack[v] = 1;
	g->scc[sp++] = v;
	g->call[0].v = v;
	g->call[0].e = g->head[v];
	while (top >= 0) {
		v = g->call[top].v;
		e = g->call[top].e;
		if (e >= 0) {
			g->call[top].e = g->next[e];
			w = g->to[e];
			if (w == v) {
				g->cycle[v] = sid;	/* a loop on itself */
				found = 1;
			}
			if (g->stamp[w] != sid) {
				g->stamp[w] = sid;
				g->index[w] = g->low[w] = (*counter)++;
				g->on_stack[w] = 1;
				g->scc[sp++] = w;
				top++;
				g->call[top].v = w;
				g->call[top].e = g->head[w];
			} else if (g->on_stack[w] && g->index[w] < g->low[v]) {
				g->low[v] = g->index[w];
			}
			continue;
		}
		/* v is done: if it roots a component, pop the component */
		if (g->low[v] == g->index[v]) {
			for (j = sp - 1; g->scc[j] != v; j--)
				;
			for (k = j; k < sp; k++) {
				g->on_stack[g->scc[k]] = 0;
				/* one vertex alone is no cycle */
				if (sp - j > 1)
					g->cycle[g->scc[k]] = sid;
			}
			found |= sp - j > 1;
			sp = j;
		}
		top--;
		if (top >= 0 && g->low[v] < g->low[g->call[top].v])
			g->low[g->call[top].v] = g->low[v];
	}
	return found;
}

int
adac_dep_first_on_cycle(struct adac_dep *g, const int *start, int n_start,
			const int *target, int n_target)
{
	int sid, counter = 0, k;

	if (scratch(g) != 0)
		return -2;
	sid = ++g->sid;
	for (k = 0; k < n_start; k++)
		tarjan_from(g, start[k], sid, &counter);
	for (k = 0; k < n_target; k++)
		if (g->cycle[target[k]] == sid)
			return k;
	return -1;
}

int
adac_dep_has_cycle(struct adac_dep *g)
{
	int sid, counter = 0, v, found = 0;

	if (scratch(g) != 0)
		return -2;
	sid = ++g->sid;
	for (v = 0; v < g->nv; v++)
		found |= tarjan_from(g, v, sid, &counter);
	return found;
}
