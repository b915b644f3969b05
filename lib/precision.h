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
};

/* "float32", "double" or "fixed-point". */
const char *adac_precision_name(enum adac_precision p);

#endif
