/*
 * adac/fixpoint-arch.cpp - the FAUST architecture adac-diff --precision
 * builds `faust -fx` programs with, to compare them with adac_fixpoint_sim:
 * writes the program's input and output counts as two int64_t, then
 * reads frames of float samples (inputs interleaved, native byte order)
 * on stdin and writes every output sample's raw fixed-point value as an
 * int64_t on stdout.  The counts come first so that a program of another
 * shape is told apart from one that computes something else.  FAUSTFLOAT is a sample type that
 * enters fixpoint_t as a float and leaves it as its raw value, so that
 * nothing is rounded on the way out (q1.31 does not fit a float).
 */
#include <cstdint>
#include <cstdio>

#include "adac/fixpoint.hpp"

struct adac_sample {
	float in;
	int64_t raw;
	adac_sample() : in(0), raw(0) {}
	explicit adac_sample(fixpoint_t x) : in(0), raw(x.r) {}
	operator float() const { return in; }
};
#define FAUSTFLOAT adac_sample

struct Meta {
	void declare(const char *, const char *) {}
};
struct UI {
	void openVerticalBox(const char *) {}
	void openHorizontalBox(const char *) {}
	void openTabBox(const char *) {}
	void closeBox() {}
	void declare(FAUSTFLOAT *, const char *, const char *) {}
};
struct dsp {
	virtual ~dsp() {}
};
#define RESTRICT __restrict__

<<includeIntrinsic>>

<<includeclass>>

int
main()
{
	static mydsp d;
	enum { BLOCK = 64 };
	int ni = d.getNumInputs(), no = d.getNumOutputs();
	static adac_sample ib[8][BLOCK], ob[8][BLOCK];
	adac_sample *in[8], *out[8];
	float x[8];
	int64_t y[8];

	int64_t shape[2] = { ni, no };

	fwrite(shape, sizeof shape[0], 2, stdout);
	if (ni > 8 || no > 8)
		return 2;
	for (int i = 0; i < 8; i++) {
		in[i] = ib[i];
		out[i] = ob[i];
	}
	d.init(48000);
	for (;;) {
		int n = 0;

		for (; n < BLOCK; n++) {
			if (ni > 0 && fread(x, sizeof x[0], ni, stdin) != (size_t)ni)
				break;
			for (int i = 0; i < ni; i++)
				ib[i][n].in = x[i];
		}
		if (n == 0)
			break;
		d.compute(n, in, out);
		for (int k = 0; k < n; k++) {
			for (int o = 0; o < no; o++)
				y[o] = ob[o][k].raw;
			fwrite(y, sizeof y[0], no, stdout);
		}
		if (n < BLOCK)
			break;
	}
	return fflush(stdout) == 0 ? 0 : 3;
}
