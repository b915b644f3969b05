#include "evidence.h"

#include <math.h>

void
adac_evidence_measure(const struct adac_response *r,
		      struct adac_evidence *ev)
{
	long n, tail = r->length - r->length / 4, len = r->length;
	double peak, total, first, last, x, db;
	const double *h;
	int i, o;

	ev->non_finite_sample = -1;
	ev->non_finite_input = ev->non_finite_output = -1;
	ev->silent = 1;
	ev->decay_db = -INFINITY;
	ev->quarter_drop_db = INFINITY;
	for (i = 0; i < r->inputs; i++)
		for (o = 0; o < r->outputs; o++) {
			h = adac_response_path(r, i, o);
			peak = 0;
			for (n = 0; n < len; n++) {
				if (!isfinite(h[n])) {
					if (ev->non_finite_sample < 0 ||
					    n < ev->non_finite_sample) {
						ev->non_finite_sample = n;
						ev->non_finite_input = i;
						ev->non_finite_output = o;
					}
					break;
				}
				if (fabs(h[n]) > peak)
					peak = fabs(h[n]);
			}
			if (n < len || peak == 0)
				continue;
			ev->silent = 0;
			/* scaled by the peak, so that no square overflows */
			total = first = last = 0;
			for (n = 0; n < len; n++) {
				x = h[n] / peak;
				total += x * x;
				if (n < len / 4)
					first += x * x;
				if (n >= tail)
					last += x * x;
			}
			db = len < 4 ? 0 : last > 0 ? 10 * log10(last / total)
						    : -INFINITY;
			if (db > ev->decay_db) {
				ev->decay_db = db;
				ev->quarter_drop_db = len < 4 ? 0 :
					last == 0 ? INFINITY :
					first == 0 ? -INFINITY :
					10 * log10(first / last);
			}
		}
	if (ev->non_finite_sample >= 0) {
		ev->silent = 0;
		ev->decay_db = ev->quarter_drop_db = NAN;
	} else if (ev->silent) {
		ev->decay_db = ev->quarter_drop_db = NAN;
	}
}

int
adac_evidence_decayed(const struct adac_evidence *ev)
{
	return ev->non_finite_sample < 0 && !ev->silent &&
	       ev->decay_db <= ADAC_EVIDENCE_DECAY_DB;
}
