#include "modal.h"

#include <math.h>

int
adac_modal_analyze(const struct adac_node *node,
		   const struct adac_freq_opts *fo,
		   const struct adac_modal_opts *o, struct adac_modal *out,
		   struct adac_error *err)
{
	(void)node; (void)fo; (void)o; (void)err;
	out->dim = 0;
	out->method = "none";
	out->converged = 0;
	out->radius = out->omega = out->residual = NAN;
	out->bound = INFINITY;
	return ADAC_OK;
}

double
adac_modal_growth_floor(const struct adac_modal *m)
{
	return m->radius > 1 && m->residual > 0 ? (m->radius - 1) / m->residual : 0;
}

double
adac_modal_t60_s(const struct adac_modal *m, double fs_hz)
{
	return m->radius > 0 && m->radius < 1 ? -3 / (fs_hz * log10(m->radius)) : INFINITY;
}
