/*
 * test_precision.c - rounding to the precisions the analysis knows,
 * against values of the IEEE formats worked by hand (binary16: 11
 * significant bits, normals from 2^-14, largest 65504; bfloat16: 8
 * significant bits, float32's exponent range).
 */
#include <math.h>

#include "precision.h"
#include "unit.h"

static double
half(double x)
{
	return adac_precision_round(ADAC_PRECISION_FLOAT16, x);
}

static double
bf(double x)
{
	return adac_precision_round(ADAC_PRECISION_BFLOAT16, x);
}

static void
test_precision__float16_rounds_to_nearest_even_with_its_range(void)
{
	/* 1/3 = 0x3555: 0.333251953125 */
	check(half(1.0 / 3) == 0.333251953125);
	/* 0.999 / 2^-11 = 2045.95: 2046 steps below 1 */
	check(half(0.999) == 2046 * 0x1p-11);
	check(half(-0.999) == -2046 * 0x1p-11);
	check(half(65504) == 65504);
	/* halfway between 65504 and 65536, even is 65536: overflow */
	check(isinf(half(65520)) && half(65520) > 0);
	check(half(65519) == 65504);
	/* subnormals: 2^-24 is the least; 2^-25 ties to even 0 */
	check(half(0x1p-24) == 0x1p-24);
	check(half(0x1p-25) == 0);
	check(half(3 * 0x1p-26) == 0x1p-24);
	check(half(1 + 0x1p-11) == 1);		/* a tie: even */
	check(half(1 + 3 * 0x1p-11) == 1 + 0x1p-9);
	check(isnan(half(NAN)));
}

static void
test_precision__bfloat16_keeps_eight_bits_and_float32s_range(void)
{
	/* 1/3 = 0x3EAB: 0.333984375 */
	check(bf(1.0 / 3) == 0.333984375);
	/* the spacing below 1 is 2^-8: 0.999 rounds to 1 */
	check(bf(0.999) == 1);
	check(bf(1 + 0x1p-8) == 1);
	check(bf(1 + 3 * 0x1p-8) == 1 + 0x1p-6);
	check(bf(1e38) == 0x1.2cp126);
	check(isinf(bf(0x1.ffp127)));
	check(bf(0x1p-133) == 0x1p-133);	/* float32's least subnormal */
}

static void
test_precision__float32_and_double_round_as_before(void)
{
	check(adac_precision_round(ADAC_PRECISION_FLOAT32, 0.1) ==
	      (double)0.1f);
	check(adac_precision_round(ADAC_PRECISION_DOUBLE, 0.1) == 0.1);
	check(adac_precision_unit(ADAC_PRECISION_FLOAT16) == 0x1p-11);
	check(adac_precision_unit(ADAC_PRECISION_BFLOAT16) == 0x1p-8);
}

int
main(void)
{
	RUN(test_precision__float16_rounds_to_nearest_even_with_its_range);
	RUN(test_precision__bfloat16_keeps_eight_bits_and_float32s_range);
	RUN(test_precision__float32_and_double_round_as_before);
	return unit_done();
}
