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
#include <cstdlib>
#include <vector>

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

/* argv[1]: the rate to init the program at (default 48000) */
int
main(int argc, char **argv)
{
	static mydsp d;
	enum { BLOCK = 64 };
	int ni = d.getNumInputs(), no = d.getNumOutputs();
	std::vector<adac_sample> ib((size_t)ni * BLOCK), ob((size_t)no * BLOCK);
	std::vector<adac_sample *> in((size_t)ni + 1), out((size_t)no + 1);
	std::vector<float> x((size_t)ni + 1);
	std::vector<int64_t> y((size_t)no + 1);
	int64_t shape[2] = { ni, no };

	fwrite(shape, sizeof shape[0], 2, stdout);
	/* nothing to read: the caller sees the shape and stops there */
	if (ni == 0)
		return fflush(stdout) == 0 ? 0 : 3;
	for (int i = 0; i < ni; i++)
		in[i] = &ib[(size_t)i * BLOCK];
	for (int o = 0; o < no; o++)
		out[o] = &ob[(size_t)o * BLOCK];
	d.init(argc > 1 ? atoi(argv[1]) : 48000);
	for (;;) {
		int n = 0;

		for (; n < BLOCK; n++) {
			if (fread(x.data(), sizeof x[0], ni, stdin) != (size_t)ni)
				break;
			for (int i = 0; i < ni; i++)
				in[i][n].in = x[i];
		}
		if (n == 0)
			break;
		d.compute(n, in.data(), out.data());
		for (int k = 0; k < n; k++) {
			for (int o = 0; o < no; o++)
				y[o] = out[o][k].raw;
			fwrite(y.data(), sizeof y[0], no, stdout);
		}
		if (n < BLOCK)
			break;
	}
	return fflush(stdout) == 0 ? 0 : 3;
}
