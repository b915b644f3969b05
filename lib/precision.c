#include "precision.h"

#include <math.h>

const char *
adac_precision_name(enum adac_precision p)
{
	switch (p) {
	case ADAC_PRECISION_FLOAT32: return "float32";
	case ADAC_PRECISION_DOUBLE: return "double";
	case ADAC_PRECISION_FIXED: return "fixed-point";
	case ADAC_PRECISION_FLOAT16: return "float16";
	case ADAC_PRECISION_BFLOAT16: return "bfloat16";
	}
	return "float32";
}

/*
 * Round to p significant bits with the smallest normal exponent emin and
 * the largest finite value max.  Scaling by powers of two is exact, and
 * nearbyint rounds to nearest even in the default rounding mode.
 */
static double
round_to(double x, int p, int emin, double max)
{
	int e;

	if (!isfinite(x) || x == 0)
		return x;
	(void)frexp(x, &e);	/* 2^(e-1) <= |x| < 2^e */
	e = e - 1 > emin ? e - 1 : emin;
	x = ldexp(nearbyint(ldexp(x, p - 1 - e)), e - p + 1);
	return fabs(x) > max ? copysign(INFINITY, x) : x;
}

double
adac_precision_round(enum adac_precision p, double x)
{
	switch (p) {
	case ADAC_PRECISION_FLOAT32:
		return (double)(float)x;
	case ADAC_PRECISION_FLOAT16:
		return round_to(x, 11, -14, 65504.0);
	case ADAC_PRECISION_BFLOAT16:
		return round_to(x, 8, -126, 0x1.fep127);
	case ADAC_PRECISION_DOUBLE:
	case ADAC_PRECISION_FIXED:
		break;
	}
	return x;
}

double
adac_precision_unit(enum adac_precision p)
{
	switch (p) {
	case ADAC_PRECISION_FLOAT16: return 0x1p-11;
	case ADAC_PRECISION_BFLOAT16: return 0x1p-8;
	case ADAC_PRECISION_DOUBLE: return 0x1p-53;
	case ADAC_PRECISION_FLOAT32:
	case ADAC_PRECISION_FIXED:
		break;
	}
	return 0x1p-24;
}
