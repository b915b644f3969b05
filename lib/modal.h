/* modal.h - placeholder until the modal analysis lands (helper branch). */
#ifndef ADAC_MODAL_H
#define ADAC_MODAL_H

#include "error.h"
#include "freq.h"
#include "ir.h"

struct adac_modal_opts {
	long dense_max, sparse_max, max_matvecs;
	double coef_rel_err;
};

struct adac_modal {
	long dim;
	const char *method;
	int converged;
	double radius, omega, residual, bound;
};

int adac_modal_analyze(const struct adac_node *node,
		       const struct adac_freq_opts *fo,
		       const struct adac_modal_opts *o, struct adac_modal *out,
		       struct adac_error *err);
double adac_modal_growth_floor(const struct adac_modal *m);
double adac_modal_t60_s(const struct adac_modal *m, double fs_hz);

#endif
