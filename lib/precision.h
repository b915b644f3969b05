/*
 * precision.h - the precisions a program built from the emitted FAUST
 * may hold its coefficients in: float (the default build), double
 * (faust -double), or a fixed-point word (faust -fx, fixpoint.h).  The analysis rounds to them (freq.h); certificates
 * name the ones they cover (certificate.h).
 */
#ifndef ADAC_PRECISION_H
#define ADAC_PRECISION_H

enum adac_precision {
	ADAC_PRECISION_FLOAT32,	/* coefficients rounded to float */
	ADAC_PRECISION_DOUBLE,
	/* a fixed-point format (fixpoint.h): the options name which */
	ADAC_PRECISION_FIXED,
	/*
	 * IEEE binary16 and bfloat16 coefficients: what a network keeps of
	 * its design in those formats.  No program is built in them (faust
	 * has no such type), so only the analysis rounds to them.
	 */
	ADAC_PRECISION_FLOAT16,
	ADAC_PRECISION_BFLOAT16,
};

/* "float32", "double", "fixed-point", "float16" or "bfloat16". */
const char *adac_precision_name(enum adac_precision p);

/*
 * x rounded to nearest (ties to even) in a floating-point precision,
 * overflowing to ±inf and underflowing through the subnormals as the
 * format does; x itself for double and for ADAC_PRECISION_FIXED (whose
 * grid fixpoint.h knows).
 */
double adac_precision_round(enum adac_precision p, double x);

/* The unit roundoff of a floating-point precision: 2^-24 for float32. */
double adac_precision_unit(enum adac_precision p);

#endif
