/*
 * adac/fixpoint.hpp - the fixpoint_t a `faust -fx -lang cpp` program
 * computes with, in the arithmetic of adac's fixed-point simulator
 * (lib/fixpoint.h), operation for operation, so that the built program
 * equals `adac_fixpoint_sim` bit for bit.
 *
 * Choose the format before including the program:
 *   ADAC_FX_FRAC_BITS  15, 23 or 31 (q1.15, q1.23, q1.31); default 15
 *   ADAC_FX_TRUNCATE   1: products truncate towards -inf; default 0,
 *                      round to nearest with ties towards +inf
 *   ADAC_FX_WRAP       1: overflow wraps (two's complement); default 0,
 *                      saturate
 * e.g. c++ -DADAC_FX_FRAC_BITS=23 -include adac/fixpoint.hpp prog.cpp.
 *
 * A value is its raw integer r, the number r * 2^-F.  Samples arrive as
 * float (FAUSTFLOAT): fixpoint_t(float) rounds and fits them.  Literals
 * arrive as double, written by faust with 8 significant digits:
 * fixpoint_t(double) rounds them to nearest on the grid 2^-min(F, 23),
 * the grid adac-emit quantised them to, and does not fit them (FAUST
 * writes x + x as 2.0 * x).  Needs a compiler whose >> on a negative
 * __int128 is arithmetic (GCC, Clang).
 */
#ifndef ADAC_FIXPOINT_HPP
#define ADAC_FIXPOINT_HPP

#include <cmath>
#include <cstdint>

#ifndef ADAC_FX_FRAC_BITS
#define ADAC_FX_FRAC_BITS 15
#endif
#ifndef ADAC_FX_TRUNCATE
#define ADAC_FX_TRUNCATE 0
#endif
#ifndef ADAC_FX_WRAP
#define ADAC_FX_WRAP 0
#endif

#if ADAC_FX_FRAC_BITS != 15 && ADAC_FX_FRAC_BITS != 23 && ADAC_FX_FRAC_BITS != 31
#error "ADAC_FX_FRAC_BITS must be 15, 23 or 31"
#endif

struct fixpoint_t {
	static const int F = ADAC_FX_FRAC_BITS;
	static const int G = F < 23 ? F : 23;	/* the literal grid */
	static const int64_t ONE = (int64_t)1 << F;

	int64_t r;

	static int64_t fit(int64_t v)
	{
#if ADAC_FX_WRAP
		return (int64_t)(((uint64_t)v + (uint64_t)ONE) &
				 ((uint64_t)2 * (uint64_t)ONE - 1)) - ONE;
#else
		return v < -ONE ? -ONE : v > ONE - 1 ? ONE - 1 : v;
#endif
	}
	static fixpoint_t raw(int64_t v)
	{
		fixpoint_t x;
		x.r = v;
		return x;
	}

	fixpoint_t() : r(0) {}
	/* products, not <<: shifting a negative value is undefined */
	fixpoint_t(int i) : r((int64_t)i * ONE) {}
	fixpoint_t(double d)
	{
		r = (int64_t)std::floor(std::ldexp(d, G) + 0.5) *
		    ((int64_t)1 << (F - G));
	}
	fixpoint_t(float x)
	{
		double v = std::ldexp((double)x, F);

		if (std::isnan(v))
			v = 0;
#if ADAC_FX_TRUNCATE
		v = std::floor(v);
#else
		v = std::floor(v + 0.5);
#endif
		if (v > 0x1p60)
			v = 0x1p60;
		if (v < -0x1p60)
			v = -0x1p60;
		r = fit((int64_t)v);
	}
	explicit operator float() const { return (float)std::ldexp((double)r, -F); }
	explicit operator double() const { return std::ldexp((double)r, -F); }
};

inline fixpoint_t operator+(fixpoint_t a, fixpoint_t b)
{
	return fixpoint_t::raw(fixpoint_t::fit(a.r + b.r));
}

inline fixpoint_t operator-(fixpoint_t a, fixpoint_t b)
{
	return fixpoint_t::raw(fixpoint_t::fit(a.r - b.r));
}

inline fixpoint_t operator-(fixpoint_t a)
{
	return fixpoint_t::raw(fixpoint_t::fit(-a.r));
}

inline fixpoint_t operator*(fixpoint_t a, fixpoint_t b)
{
	__int128 p = (__int128)a.r * b.r;

#if !ADAC_FX_TRUNCATE
	p += (__int128)1 << (fixpoint_t::F - 1);
#endif
	p >>= fixpoint_t::F;
	if (p > INT64_MAX / 4)
		p = INT64_MAX / 4;
	if (p < INT64_MIN / 4)
		p = INT64_MIN / 4;
	return fixpoint_t::raw(fixpoint_t::fit((int64_t)p));
}

#endif
