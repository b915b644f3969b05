#include "stimulus.h"

#include <math.h>
#include <string.h>

static const char *const names[] = {
	[ADAC_STIMULUS_IMPULSE] = "impulse",
	[ADAC_STIMULUS_NOISE] = "noise",
	[ADAC_STIMULUS_SWEEP] = "sweep",
};

void
adac_stimulus_init(struct adac_stimulus *s)
{
	s->kind = ADAC_STIMULUS_IMPULSE;
	s->level_db = 0;
	s->seed = 1;
}

int
adac_stimulus_parse(const char *name, enum adac_stimulus_kind *out,
		  struct adac_error *err)
{
	size_t k;

	for (k = 0; k < sizeof names / sizeof names[0]; k++)
		if (strcmp(name, names[k]) == 0) {
			*out = (enum adac_stimulus_kind)k;
			return ADAC_OK;
		}
	return adac_error_set(err, ADAC_E_INPUT, "",
			      "unknown signal '%s'; expected 'impulse', 'noise' or 'sweep'",
			      name);
}

const char *
adac_stimulus_name(enum adac_stimulus_kind kind)
{
	return (unsigned)kind < sizeof names / sizeof names[0] ? names[kind]
							       : "?";
}

long
adac_stimulus_active(const struct adac_stimulus *s, long length)
{
	if (length <= 0)
		return 0;
	return s->kind == ADAC_STIMULUS_IMPULSE ? 1 : (length + 1) / 2;
}

/* splitmix64: any seed, 0 included, gives a good xorshift state */
static uint64_t
mix(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void
adac_stimulus_fill(const struct adac_stimulus *s, double fs_hz, long length,
		 double *x)
{
	double a = pow(10.0, s->level_db / 20.0), f1 = 20.0, f2, t, k;
	long n, active = adac_stimulus_active(s, length);
	uint64_t r = mix(s->seed);

	for (n = 0; n < length; n++)
		x[n] = 0;
	switch (s->kind) {
	case ADAC_STIMULUS_IMPULSE:
		if (length > 0)
			x[0] = (float)a;
		return;
	case ADAC_STIMULUS_NOISE:
		for (n = 0; n < active; n++) {
			r ^= r >> 12;
			r ^= r << 25;
			r ^= r >> 27;
			/* 53 random bits to [−1, 1) */
			t = (double)((r * 2685821657736338717ULL) >> 11) *
			    0x1p-52 - 1.0;
			x[n] = (float)(a * t);
		}
		return;
	case ADAC_STIMULUS_SWEEP:
		/* Farina's sweep: instantaneous frequency f1·e^(t·ln(f2/f1)/T) */
		f2 = 0.45 * fs_hz;
		if (!(f2 > f1))
			f2 = 2 * f1;
		t = active / fs_hz;
		k = log(f2 / f1);
		for (n = 0; n < active; n++)
			x[n] = (float)(a * sin(2 * M_PI * f1 * t / k *
					       (exp(n / fs_hz * k / t) - 1)));
		return;
	}
}
