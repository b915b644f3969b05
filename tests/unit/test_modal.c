/*
 * test_modal.c - the modal analysis against closed forms computed here
 * (roots of a loop's characteristic polynomial, eigenvalues of 2 × 2
 * matrices), against LAPACK on matrices written out here, and its map
 * against the reference simulator.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#include "freq.h"
#include "ir.h"
#include "linalg.h"
#include "modal.h"
#include "sim.h"

static const struct adac_freq_opts f32 = {ADAC_PRECISION_FLOAT32, 48000, 1};
static const struct adac_freq_opts f64 = {ADAC_PRECISION_DOUBLE, 48000, 1};

/* x as float32 ships it */
static double
r32(double x)
{
	return (double)(float)x;
}

static struct adac_ir *
parse(const char *text)
{
	struct adac_ir *ir = NULL;
	struct adac_error err;

	if (adac_ir_parse_text(text, strlen(text), &ir, &err) != ADAC_OK) {
		printf("#   parse failed: %s: %s\n", err.pointer, err.text);
		return NULL;
	}
	return ir;
}

/* A 48 kHz document around graph (controls may be NULL). */
static char *
doc(int inputs, int outputs, const char *graph, const char *controls)
{
	size_t n = strlen(graph) + (controls ? strlen(controls) : 0) + 256;
	char *s = malloc(n);

	snprintf(s, n,
		 "{\"adac\":\"ir/1\",\"name\":\"t\",\"fs\":48000,"
		 "\"inputs\":%d,\"outputs\":%d,\"graph\":%s%s%s}",
		 inputs, outputs, graph, controls ? ",\"controls\":" : "",
		 controls ? controls : "");
	return s;
}

/* Analyse a one-in, one-out graph (or n × n with io = n); ADAC_OK or not. */
static int
analyze_io(int io, const char *graph, const struct adac_freq_opts *fo,
	   const struct adac_modal_opts *o, struct adac_modal *r)
{
	char *d = doc(io, io, graph, NULL);
	struct adac_ir *ir = parse(d);
	struct adac_error err;
	int rc = -1;

	free(d);
	if (ir == NULL)
		return -1;
	rc = adac_modal_analyze(ir->graph, fo, o, r, &err);
	if (rc != ADAC_OK)
		printf("#   analyze failed: %s: %s\n", err.pointer, err.text);
	adac_ir_free(ir);
	return rc;
}

static int
analyze(const char *graph, const struct adac_freq_opts *fo,
	const struct adac_modal_opts *o, struct adac_modal *r)
{
	return analyze_io(1, graph, fo, o, r);
}

/* feedback(delay m, gain g): y[n] = x[n − m] + g·y[n − m] */
static char *
delay_loop(long m, const char *g)
{
	char *s = malloc(256);

	snprintf(s, 256, "{\"op\":\"feedback\","
		 "\"forward\":{\"op\":\"delay\",\"samples\":[%ld]},"
		 "\"back\":{\"op\":\"gain\",\"values\":[%s]}}", m, g);
	return s;
}

/* feedback(delay [1, 1], 2 × 2 matrix): the state map is the matrix. */
static char *
matrix_loop(double a, double b, double c, double d)
{
	char *s = malloc(512);

	snprintf(s, 512, "{\"op\":\"series\",\"of\":["
		 "{\"op\":\"matrix\",\"data\":[[1],[1]]},"
		 "{\"op\":\"feedback\","
		 "\"forward\":{\"op\":\"delay\",\"samples\":[1,1]},"
		 "\"back\":{\"op\":\"matrix\",\"data\":"
		 "[[%.17g,%.17g],[%.17g,%.17g]]}},"
		 "{\"op\":\"matrix\",\"data\":[[1,1]]}]}", a, b, c, d);
	return s;
}

/*
 * The largest spectral radius of the 2 × 2 matrix m with every entry
 * scaled by 1 ± eta, over all 16 sign patterns (the corners of the box of
 * relative perturbations; LAPACK, not the code under test).
 */
static double
worst_corner_radius(const double m[4], double eta)
{
	double p[4], r, worst = 0;
	int bits, k;

	for (bits = 0; bits < 16; bits++) {
		for (k = 0; k < 4; k++)
			p[k] = m[k] * (bits >> k & 1 ? 1 + eta : 1 - eta);
		if (adac_linalg_spectral_radius(p, 2, &r, NULL) != ADAC_OK)
			return NAN;
		if (r > worst)
			worst = r;
	}
	return worst;
}

/* Eigenvalues of a single loop of delay m and gain g: the m-th roots of g. */
static void
test_modal__delay_loop_radius_is_the_mth_root_of_its_gain(void)
{
	struct adac_modal_opts o = {0, 0, 0, 0};
	struct adac_modal r;
	char *g = delay_loop(5, "0.8");
	double rho = pow(r32(0.8), 1.0 / 5), rho_hi;

	check_int(analyze(g, &f32, &o, &r), ADAC_OK);
	check_str(r.method, "dense");
	check_int(r.dim, 5);
	check_int(r.loop_dim, 5);
	check_int(r.n_blocks, 1);
	check(r.converged);
	/*
	 * dgeev on a 5 × 5 weighted cycle (eigenvector condition ≈ 0.8^-0.8):
	 * backward error ≈ 5·eps, so |λ̂ − λ| <= 1e-14
	 */
	check_near(r.radius, rho, 1e-14);
	check_le(r.residual, 1e-14);
	check_le(rho, r.bound);
	/* the disc around it is rounding only: ~T·eps·κ, far below 1e-12 */
	check_le(r.bound, rho * (1 + 1e-12));
	check(r.growth == 0);
	/*
	 * With every coefficient off by up to 1e-7 the worst map is
	 * g·(1 + 1e-7): its radius must be covered; Bauer-Fike adds about
	 * 1e-7·‖Ā‖·κ(W) <= 1e-7·1·1.2, so the bound stays within 2e-7
	 */
	o.coef_rel_err = 1e-7;
	check_int(analyze(g, &f32, &o, &r), ADAC_OK);
	rho_hi = pow(r32(0.8) * (1 + 1e-7), 1.0 / 5);
	check_le(rho_hi, r.bound);
	check_le(r.bound, rho + 2e-7);
	free(g);
}

/*
 * Four gains of 0.5 around one sample: the map is 0.0625, and with every
 * coefficient off by η the worst map is 0.0625·(1 + η)⁴: the errors of a
 * chain of coefficients compound.
 */
static void
test_modal__a_chain_of_coefficients_compounds_their_errors(void)
{
	struct adac_modal_opts o = {0, 0, 0, 1e-3};
	struct adac_modal r;
	double worst = 0.0625 * pow(1 + 1e-3, 4);

	check_int(analyze("{\"op\":\"feedback\","
			  "\"forward\":{\"op\":\"delay\",\"samples\":[1]},"
			  "\"back\":{\"op\":\"series\",\"of\":["
			  "{\"op\":\"gain\",\"values\":[0.5]},"
			  "{\"op\":\"gain\",\"values\":[0.5]},"
			  "{\"op\":\"matrix\",\"data\":[[0.5]]},"
			  "{\"op\":\"gain\",\"values\":[0.5]}]}}",
			  &f32, &o, &r), ADAC_OK);
	check_int(r.dim, 1);
	check_near(r.radius, 0.0625, 1e-17);
	check_le(worst, r.bound);
	/* (1 + η)^4 − 1 is all the slack there is, plus rounding */
	check_le(r.bound, worst + 1e-15);
}

/* feedback(delay [1,1], g·rotation θ): eigenvalues g·e^{±jθ} */
static void
test_modal__rotation_loop_has_its_angle(void)
{
	const double g = 0.9, th = 0.7;
	double a = r32(g * cos(th)), b = r32(-g * sin(th));
	double c = r32(g * sin(th)), d = r32(g * cos(th));
	/* the rounded matrix's eigenvalues: tr/2 ± j·√(det − (tr/2)²) */
	double half = (a + d) / 2, det = a * d - b * c;
	char *s = matrix_loop(g * cos(th), -g * sin(th), g * sin(th),
			      g * cos(th));
	struct adac_modal r;

	check_int(analyze(s, &f32, NULL, &r), ADAC_OK);
	check_str(r.method, "dense");
	check_int(r.dim, 2);
	/* 2 × 2, normal: eigenvalues to a few eps */
	check_near(r.radius, sqrt(det), 1e-15);
	check_near(r.omega, atan2(sqrt(det - half * half), half), 1e-15);
	/* θ itself, to float32 rounding of the entries (≈ 6e-8) */
	check_near(r.omega, th, 1e-7);
	check_le(sqrt(det), r.bound);
	/*
	 * the disc is the rounding of A·W − W·D over σ_min(W): about
	 * 2·T·eps·‖Ā‖/σ_min ≈ 2·31·2.2e-16·0.9/0.7 ≈ 2e-14 (T ≈ 31 operations
	 * per step here); allow 1e-13
	 */
	check_le(r.bound, sqrt(det) + 1e-13);
	check_near(adac_modal_freq_hz(&r, 48000), r.omega * 48000 / (2 * M_PI),
		   1e-9);
	free(s);
}

/*
 * The section as the float program computes it: a state-variable
 * realisation whose own coefficients are rounded (lib/biquad.h), so its
 * poles are those of that transfer function, not of the rounded a1, a2.
 */
static void
shipped(const double sos[5], double q[5])
{
	adac_freq_section(&f32, sos, q);
}

/* A biquad alone: its poles, radius √a2 for a complex pair. */
static void
test_modal__biquad_alone_has_its_poles(void)
{
	static const double sos[5] = {0.3, 0.2, 0.1, -1.2, 0.81};
	struct adac_modal r;
	double q[5], a1, a2;

	shipped(sos, q);
	a1 = q[3];
	a2 = q[4];

	check_int(analyze("{\"op\":\"sos\",\"sections\":"
			  "[[[0.3,0.2,0.1,-1.2,0.81]]]}", &f32, NULL, &r),
		  ADAC_OK);
	/* direct form II: two memories, both on the recursion */
	check_int(r.dim, 2);
	check_int(r.loop_dim, 2);
	check_str(r.method, "dense");
	check_near(r.radius, sqrt(a2), 1e-15);
	/* z² + a1·z + a2: angle acos(−a1/(2√a2)) */
	check_near(r.omega, acos(-a1 / (2 * sqrt(a2))), 1e-14);
	check_le(sqrt(a2), r.bound);
	/* rounding over σ_min(W) ≈ 0.4, as above: 1e-13 */
	check_le(r.bound, sqrt(a2) + 1e-13);
}

/*
 * A biquad inside a loop with a delay of m: the roots of
 * z^(m+2) + a1·z^(m+1) + a2·z^m − g·(b0·z² + b1·z + b2), from the
 * companion matrix of that polynomial (written here, eigenvalues from
 * LAPACK).
 */
static void
test_modal__biquad_in_a_loop_has_the_loop_polynomials_roots(void)
{
	enum { M = 9, DEG = M + 2 };
	static const double sos[5] = {0.3, 0.2, 0.1, -1.2, 0.81};
	const double g = 0.5;
	double coef[DEG + 1], comp[DEG * DEG], re[DEG], im[DEG], rho = 0;
	double q[5];
	struct adac_modal r;
	int i;
	char *s = malloc(512);

	snprintf(s, 512, "{\"op\":\"feedback\",\"forward\":{\"op\":\"series\","
		 "\"of\":[{\"op\":\"delay\",\"samples\":[%d]},"
		 "{\"op\":\"sos\",\"sections\":[[[0.3,0.2,0.1,-1.2,0.81]]]}]},"
		 "\"back\":{\"op\":\"gain\",\"values\":[0.5]}}", M);
	/* monic polynomial, coef[k] of z^(DEG − k), the shipped section */
	shipped(sos, q);
	memset(coef, 0, sizeof coef);
	coef[0] = 1;
	coef[1] = q[3];
	coef[2] = q[4];
	coef[DEG - 2] -= r32(g) * q[0];
	coef[DEG - 1] -= r32(g) * q[1];
	coef[DEG] -= r32(g) * q[2];
	memset(comp, 0, sizeof comp);
	for (i = 0; i < DEG; i++)
		comp[i] = -coef[i + 1];
	for (i = 1; i < DEG; i++)
		comp[i * DEG + i - 1] = 1;
	check_int(adac_linalg_eigenvalues(comp, DEG, re, im, NULL), ADAC_OK);
	for (i = 0; i < DEG; i++)
		if (hypot(re[i], im[i]) > rho)
			rho = hypot(re[i], im[i]);
	check_int(analyze(s, &f32, NULL, &r), ADAC_OK);
	/* m delay samples plus two direct-form-II memories */
	check_int(r.dim, M + 2);
	check_str(r.method, "dense");
	/* two eigensolvers on well-separated simple roots: 1e-12 */
	check_near(r.radius, rho, 1e-12);
	check_le(rho - 1e-12, r.bound);
	check_le(r.bound, rho + 1e-10);
	/*
	 * With every coefficient off by up to 1e-4, the bound covers the
	 * radius at each corner of the box (b0, b1, b2, a1, a2, g each at
	 * 1 ± 1e-4), found the same independent way.
	 */
	{
		struct adac_modal_opts o = {0, 0, 0, 1e-4};
		double worst = 0, c[6], rr;
		int bits, k;

		check_int(analyze(s, &f32, &o, &r), ADAC_OK);
		for (bits = 0; bits < 64; bits++) {
			double v[6] = {q[0], q[1], q[2], q[3], q[4], r32(g)};

			for (k = 0; k < 6; k++)
				c[k] = v[k] * (bits >> k & 1 ? 1 + 1e-4
							     : 1 - 1e-4);
			memset(coef, 0, sizeof coef);
			coef[0] = 1;
			coef[1] = c[3];
			coef[2] = c[4];
			coef[DEG - 2] -= c[5] * c[0];
			coef[DEG - 1] -= c[5] * c[1];
			coef[DEG] -= c[5] * c[2];
			memset(comp, 0, sizeof comp);
			for (i = 0; i < DEG; i++)
				comp[i] = -coef[i + 1];
			for (i = 1; i < DEG; i++)
				comp[i * DEG + i - 1] = 1;
			check_int(adac_linalg_spectral_radius(comp, DEG, &rr,
							      NULL), ADAC_OK);
			if (rr > worst)
				worst = rr;
		}
		/* the corners move the radius: the check has teeth */
		check(worst > rho + 1e-6);
		check_le(worst, r.bound);
	}
	free(s);
}

/*
 * A cascade whose second section has b0 = 0 closes a loop with no delay
 * at all (the netlist lets it: the section's output comes from its
 * state).  1 − g·B/A = 0 with B = b1·z⁻¹ + b2·z⁻²: the poles are the roots
 * of z² + (a1 − g·b1)·z + (a2 − g·b2).
 */
static void
test_modal__biquad_without_feedthrough_closes_a_loop(void)
{
	const double a1 = -0.5, a2 = 0.7, b1 = 0.4, b2 = -0.3, g = 0.6;
	double p = r32(a1) - r32(g) * r32(b1), q = r32(a2) - r32(g) * r32(b2);
	struct adac_modal r;

	check_int(analyze("{\"op\":\"feedback\",\"forward\":{\"op\":\"sos\","
			  "\"sections\":[[[0,0.4,-0.3,-0.5,0.7]]]},"
			  "\"back\":{\"op\":\"gain\",\"values\":[0.6]}}",
			  &f32, NULL, &r), ADAC_OK);
	/* complex pair: modulus √q */
	check(p * p < 4 * q);
	check_near(r.radius, sqrt(q), 1e-14);
	check_near(r.omega, acos(-p / (2 * sqrt(q))), 1e-13);
	check_le(sqrt(q) - 1e-15, r.bound);
}

/*
 * [[0.5, 10], [0.001, 0.5]]: σ_max ≈ 10, so small gain is hopeless, but
 * the eigenvalues are 0.5 ± √(10·0.001) = 0.6 and 0.4.  The bound must
 * cover every map within coef_rel_err (checked at the corners of the box
 * by LAPACK) and still prove stability.
 */
static void
test_modal__non_normal_loop_is_bounded_below_one(void)
{
	double m[4] = {0.5, 10, r32(0.001), 0.5}, rho, worst;
	char *s = matrix_loop(0.5, 10, 0.001, 0.5);
	struct adac_modal_opts o = {0, 0, 0, 0};
	struct adac_modal r;

	rho = 0.5 + sqrt(10 * m[2]);
	check_int(analyze(s, &f32, &o, &r), ADAC_OK);
	check_int(r.n_blocks, 1);
	check_near(r.radius, rho, 1e-14);
	check_le(rho, r.bound);
	/*
	 * the eigenvectors (±100, 1)/‖·‖ are nearly parallel: σ_min(W) ≈
	 * 0.014, and the rounding disc ≈ 1e-14/0.014 ≈ 1e-12: allow 1e-11
	 */
	check_le(r.bound, rho + 1e-11);
	/* float32-sized coefficient errors: 2⁻²⁴ */
	o.coef_rel_err = 0x1p-24;
	check_int(analyze(s, &f32, &o, &r), ADAC_OK);
	worst = worst_corner_radius(m, o.coef_rel_err);
	check_le(worst, r.bound);
	check_le(r.bound, 0.61);
	/* a coarse 1 % error: still a valid bound, no longer near 0.6 */
	o.coef_rel_err = 0.01;
	check_int(analyze(s, &f32, &o, &r), ADAC_OK);
	check_le(worst_corner_radius(m, 0.01), r.bound);
	free(s);
}

/*
 * [[0.5, 10], [0, 0.5]]: upper triangular, so each line is a block of its
 * own and the bound is 0.5 itself, not σ_max: relative errors keep the
 * zero, and every perturbed map has radius 0.5·(1 + η).
 */
static void
test_modal__triangular_loop_splits_into_blocks(void)
{
	double m[4] = {0.5, 10, 0, 0.5};
	char *s = matrix_loop(0.5, 10, 0, 0.5);
	struct adac_modal_opts o = {0, 0, 0, 1e-6};
	struct adac_modal r;

	check_int(analyze(s, &f32, &o, &r), ADAC_OK);
	check_int(r.n_blocks, 2);
	check_int(r.loop_dim, 1);
	check_near(r.radius, 0.5, 1e-16);
	check_le(worst_corner_radius(m, 1e-6), r.bound);
	/* η·0.5 plus rounding */
	check_le(r.bound, 0.5 * (1 + 1e-6) + 1e-14);
	free(s);
}

/*
 * [[1.5, 1], [−1, −0.5]] = 0.5·I + N with N² = 0: one defective
 * eigenvalue 0.5, strongly connected.  Computed eigenvalues are off by
 * √eps and the eigenvectors are nearly parallel: the bound must be
 * infinite or still hold, for the nominal map and for perturbed ones,
 * whose radius grows like 0.5 + √η.
 */
static void
test_modal__jordan_block_bound_is_infinite_or_still_holds(void)
{
	double m[4] = {1.5, 1, -1, -0.5}, worst;
	char *s = matrix_loop(1.5, 1, -1, -0.5);
	struct adac_modal_opts o = {0, 0, 0, 0};
	struct adac_modal r;

	check_int(analyze(s, &f32, &o, &r), ADAC_OK);
	check_int(r.n_blocks, 1);
	/* the defective eigenvalue to √eps ≈ 1.5e-8 */
	check_near(r.radius, 0.5, 1e-7);
	check(isinf(r.bound) || r.bound >= 0.5);
	o.coef_rel_err = 1e-6;
	check_int(analyze(s, &f32, &o, &r), ADAC_OK);
	worst = worst_corner_radius(m, 1e-6);
	/* √(1e-6) scale: the perturbed radius really moves */
	check(worst > 0.5 + 1e-4);
	check(isinf(r.bound) || r.bound >= worst);
	check(r.bound >= worst);
	free(s);
}

/* Gain 1.01 around 3 samples: radius 1.01^(1/3) and a huge growth floor. */
static void
test_modal__unstable_loop_has_a_growing_mode(void)
{
	struct adac_modal r;
	char *g = delay_loop(3, "1.01");
	double rho = pow(r32(1.01), 1.0 / 3);

	check_int(analyze(g, &f32, NULL, &r), ADAC_OK);
	check_near(r.radius, rho, 1e-14);
	check_le(rho, r.bound);
	/* (|λ| − 1)/r with |λ| − 1 ≈ 3.3e-3 and r ≈ 1e-16 */
	check(r.growth > 1e6);
	check(isinf(adac_modal_t60_s(&r, 48000)));
	/* the same loop at 0.99 grows not at all */
	free(g);
	g = delay_loop(3, "0.99");
	check_int(analyze(g, &f32, NULL, &r), ADAC_OK);
	check(r.growth == 0);
	free(g);
}

/*
 * The growth floor must hold for every map within coef_rel_err: with
 * η = 0.5 the loop gain 1.01 may be as low as 0.505, which is stable, so
 * there is no evidence of growth at all.
 */
static void
test_modal__growth_floor_accounts_for_coefficient_error(void)
{
	struct adac_modal_opts o = {0, 0, 0, 0.5};
	struct adac_modal r;
	char *g = delay_loop(3, "1.01");

	check_int(analyze(g, &f32, &o, &r), ADAC_OK);
	check(r.radius > 1);
	/* (|λ| − 1)/(r + 0.5·‖Ā v‖) ≈ 3.3e-3/0.5 */
	check_le(r.growth, 1e-2);
	free(g);
}

/*
 * Two loops in parallel, or in series, are two blocks; the radius is the
 * larger one's, the bound covers both.
 */
static void
test_modal__loops_in_parallel_or_series_are_separate_blocks(void)
{
	struct adac_modal r;
	char *a = delay_loop(4, "0.5"), *b = delay_loop(7, "0.9");
	char *s = malloc(1024);

	snprintf(s, 1024, "{\"op\":\"parallel\",\"in\":\"split\","
		 "\"out\":\"sum\",\"of\":[%s,%s]}", a, b);
	check_int(analyze(s, &f32, NULL, &r), ADAC_OK);
	check_int(r.n_blocks, 2);
	check_int(r.dim, 11);
	check_int(r.loop_dim, 7);
	check_near(r.radius, pow(r32(0.9), 1.0 / 7), 1e-14);
	check_le(pow(r32(0.9), 1.0 / 7), r.bound);
	/*
	 * In series, the second loop reads the first one's output: analysed
	 * alone it must see zero there, or its map is not linear and its
	 * radius wrong.  Both orders.
	 */
	snprintf(s, 1024, "{\"op\":\"series\",\"of\":[%s,%s]}", b, a);
	check_int(analyze(s, &f32, NULL, &r), ADAC_OK);
	check_int(r.n_blocks, 2);
	check_near(r.radius, pow(r32(0.9), 1.0 / 7), 1e-14);
	check_le(r.bound, pow(r32(0.9), 1.0 / 7) + 1e-13);
	snprintf(s, 1024, "{\"op\":\"series\",\"of\":[%s,%s]}", a, b);
	check_int(analyze(s, &f32, NULL, &r), ADAC_OK);
	check_near(r.radius, pow(r32(0.9), 1.0 / 7), 1e-14);
	check_le(r.bound, pow(r32(0.9), 1.0 / 7) + 1e-13);
	free(a);
	free(b);
	free(s);
}

/*
 * Decay gains are the certifier's: adac_freq_gain() at fo->rt60_s,
 * rounded to float32 before and after Jot's factor, not the netlist's
 * double.  The loop is short so that the difference is visible.
 */
static void
test_modal__decay_gains_are_the_certifiers(void)
{
	const long m = 7;
	const double t60 = 0.05, v = 1;
	struct adac_freq_opts fo = {ADAC_PRECISION_FLOAT32, 48000, t60};
	double jot = pow(10.0, -3.0 * m / (48000 * t60));
	double g32 = r32(r32(v) * jot), g64 = v * jot;
	char *d = doc(1, 1, "{\"op\":\"feedback\","
		      "\"forward\":{\"op\":\"delay\",\"samples\":[7]},"
		      "\"back\":{\"op\":\"gain\",\"values\":[1],"
		      "\"decay\":{\"control\":\"rt60\",\"loop_samples\":[7]}}}",
		      "[{\"name\":\"rt60\",\"min\":0.01,\"max\":10,\"init\":1}]");
	struct adac_ir *ir = parse(d);
	struct adac_modal r;
	struct adac_error err;

	check(ir != NULL);
	if (ir == NULL)
		goto out;
	check_int(adac_modal_analyze(ir->graph, &fo, NULL, &r, &err), ADAC_OK);
	/* the two candidates differ by ~4e-9, far above the 1e-14 tolerance */
	check(fabs(pow(g32, 1.0 / m) - pow(g64, 1.0 / m)) > 1e-10);
	check_near(r.radius, pow(g32, 1.0 / m), 1e-14);
	/*
	 * and T60 of that mode is the control's position, to float32: g off
	 * by 6e-8 relative moves log10 g = −0.0088 by 3e-8, T60 by 3e-6
	 */
	check_near(adac_modal_t60_s(&r, 48000), t60, 1e-5 * t60);
	fo.precision = ADAC_PRECISION_DOUBLE;
	check_int(adac_modal_analyze(ir->graph, &fo, NULL, &r, &err), ADAC_OK);
	check_near(r.radius, pow(g64, 1.0 / m), 1e-14);
	adac_ir_free(ir);
out:
	free(d);
}

/*
 * A loop with a dominant pole, for Arnoldi (dense_max 100):
 * y[n] = x[n − 1] + 0.999·y[n − 1] + 1e-30·y[n − 300].  Its roots are
 * 0.999 + 1e-30/0.999^299 ≈ 0.999 + 1.4e-30 and 299 others of modulus
 * about (1e-30)^(1/299) ≈ 0.79: separated, so Arnoldi converges.
 */
static void
test_modal__arnoldi_finds_a_separated_dominant_mode(void)
{
	struct adac_modal_opts o = {100, 0, 2000, 0};
	struct adac_modal r;

	check_int(analyze("{\"op\":\"feedback\","
			  "\"forward\":{\"op\":\"delay\",\"samples\":[1]},"
			  "\"back\":{\"op\":\"parallel\",\"in\":\"split\","
			  "\"out\":\"sum\",\"of\":["
			  "{\"op\":\"gain\",\"values\":[0.999]},"
			  "{\"op\":\"series\",\"of\":["
			  "{\"op\":\"delay\",\"samples\":[299]},"
			  "{\"op\":\"gain\",\"values\":[1e-30]}]}]}}",
			  &f32, &o, &r), ADAC_OK);
	check_int(r.dim, 300);
	check_str(r.method, "arnoldi");
	check(r.converged);
	/* ARPACK's tolerance is 1e-10 relative to |θ| */
	check_near(r.radius, r32(0.999), 1e-9);
	check_near(r.omega, 0, 1e-9);
	check_le(r.residual, 1e-8);
	/* an estimate, never a bound */
	check(isinf(r.bound));
	check(r.matvecs > 0 && r.matvecs <= 4 * 2000 + 100);
	check(r.growth == 0);
}

/*
 * A loop of 3000 samples and gain 0.5: all 3000 eigenvalues have the
 * modulus 0.5^(1/3000), so "largest modulus" does not single any out
 * and Arnoldi does not converge within a budget; it still reports its
 * best Ritz value with an honest residual.  The map is diagonalisable
 * with eigenvector condition κ <= 0.5^(−2999/3000) < 2, so by Bauer-Fike
 * some eigenvalue lies within 2·residual of the Ritz value, and since
 * every eigenvalue has modulus ρ, |ρ − |θ|| <= 2·residual.
 */
static void
test_modal__arnoldi_on_equal_moduli_is_an_honest_estimate(void)
{
	struct adac_modal_opts o = {100, 0, 400, 0};
	struct adac_modal r;
	char *g = delay_loop(3000, "0.5");
	double rho = pow(0.5, 1.0 / 3000);

	check_int(analyze(g, &f32, &o, &r), ADAC_OK);
	check_str(r.method, "arnoldi");
	check(!r.converged);
	check(isinf(r.bound));
	check(r.residual > 0);
	check_le(fabs(rho - r.radius), 2 * r.residual);
	check(r.growth == 0);
	free(g);
}

/* Nothing to solve: no state, or no state on a loop: exactly zero. */
static void
test_modal__no_state_and_no_loop_are_exactly_zero(void)
{
	struct adac_modal r;

	check_int(analyze("{\"op\":\"gain\",\"values\":[3]}", &f32, NULL, &r),
		  ADAC_OK);
	check_int(r.dim, 0);
	check_str(r.method, "none");
	check(r.radius == 0 && r.bound == 0 && r.growth == 0);
	check(adac_modal_t60_s(&r, 48000) == 0);
	/* a delay and a biquad without feedback: nilpotent ... */
	check_int(analyze("{\"op\":\"series\",\"of\":["
			  "{\"op\":\"delay\",\"samples\":[100]},"
			  "{\"op\":\"sos\",\"sections\":[[[1,0.5,0.25,0,0]]]},"
			  "{\"op\":\"gain\",\"values\":[0.5]}]}", &f32, NULL, &r),
		  ADAC_OK);
	check_int(r.dim, 102);
	check_int(r.n_blocks, 0);
	check_str(r.method, "none");
	check(r.radius == 0 && r.bound == 0);
	/* ... and a delay in front of a loop does not join its block */
	check_int(analyze("{\"op\":\"series\",\"of\":["
			  "{\"op\":\"delay\",\"samples\":[100]},"
			  "{\"op\":\"feedback\","
			  "\"forward\":{\"op\":\"delay\",\"samples\":[2]},"
			  "\"back\":{\"op\":\"gain\",\"values\":[0.25]}}]}",
			  &f32, NULL, &r), ADAC_OK);
	check_int(r.dim, 102);
	check_int(r.loop_dim, 2);
	check_near(r.radius, 0.5, 1e-15);
	check_le(r.bound, 0.5 + 1e-14);
}

/* Non-finite values give no finite bound, whatever else is known. */
static void
test_modal__non_finite_coefficients_have_no_bound(void)
{
	struct adac_modal r;
	char *g;

	/* 1e200 is finite in double and infinite in float32 */
	check_int(analyze("{\"op\":\"feedback\",\"forward\":{\"op\":\"series\","
			  "\"of\":[{\"op\":\"delay\",\"samples\":[2]},"
			  "{\"op\":\"sos\",\"sections\":[[[1e200,0,0,0.1,0]]]}]},"
			  "\"back\":{\"op\":\"gain\",\"values\":[0.5]}}",
			  &f32, NULL, &r), ADAC_OK);
	check(isinf(r.bound));
	check(isnan(r.radius));
	check_str(r.method, "none");
	check_str(r.reason, "a coefficient is not finite");
	/* in double the same map overflows while it is formed: 1e200² */
	g = "{\"op\":\"feedback\",\"forward\":{\"op\":\"series\","
	    "\"of\":[{\"op\":\"delay\",\"samples\":[2]},"
	    "{\"op\":\"gain\",\"values\":[1e200]}]},"
	    "\"back\":{\"op\":\"gain\",\"values\":[1e200]}}";
	check_int(analyze(g, &f64, NULL, &r), ADAC_OK);
	check(isinf(r.bound));
	check(isnan(r.radius));
	check_str(r.reason, "the state map overflows");
}

/* A loop above sparse_max is declined before anything is allocated for it. */
static void
test_modal__too_large_a_loop_is_declined(void)
{
	struct adac_modal_opts o = {0, 1000, 0, 0};
	struct adac_modal r;
	char *g = delay_loop(5000, "0.5");

	check_int(analyze(g, &f32, &o, &r), ADAC_OK);
	check_str(r.method, "none");
	check_int(r.loop_dim, 5000);
	check_int(r.matvecs, 0);
	check(isinf(r.bound) && isnan(r.radius));
	check_str(r.reason, "a loop has more states than the sparse limit");
	free(g);
	/* the largest delay an IR allows, with the default limits */
	g = delay_loop(ADAC_MAX_DELAY_SAMPLES, "0.5");
	check_int(analyze(g, &f32, NULL, &r), ADAC_OK);
	check_int(r.dim, ADAC_MAX_DELAY_SAMPLES);
	check_str(r.method, "none");
	check(isinf(r.bound));
	free(g);
}

/* Options out of range are bad input, said in one line. */
static void
test_modal__coefficient_error_must_be_a_fraction(void)
{
	struct adac_modal_opts o = {0, 0, 0, -1};
	struct adac_modal r;
	struct adac_error err;
	char *g = delay_loop(2, "0.5"), *d = doc(1, 1, g, NULL);
	struct adac_ir *ir = parse(d);

	check(ir != NULL);
	if (ir != NULL) {
		check_int(adac_modal_analyze(ir->graph, &f32, &o, &r, &err),
			  ADAC_E_INPUT);
		check_str(err.text,
			  "coefficient error -1 is not a fraction in [0, 1)");
		o.coef_rel_err = NAN;
		check_int(adac_modal_analyze(ir->graph, &f32, &o, &r, &err),
			  ADAC_E_INPUT);
		o.coef_rel_err = 1;
		check_int(adac_modal_analyze(ir->graph, &f32, &o, &r, &err),
			  ADAC_E_INPUT);
	}
	adac_ir_free(ir);
	free(d);
	free(g);
}

/*
 * The map agrees with the simulator: its impulse response, from a zero
 * state with a unit input at n = 0 and zero after, is the simulator's,
 * on every path of a network with every kind of primitive (matrix,
 * fractional and sub-sample delays, a cascade with and one without
 * feed-through, a parallel sum, nested loops).  In double precision the
 * coefficients are the simulator's; only the biquads' form differs
 * (direct form II here, I there), which changes rounding by a few eps
 * of the signal per sample: 1e-12 over 400 samples of a response that
 * stays below 10.
 */
static void
test_modal__map_agrees_with_the_simulator(void)
{
	const long len = 400;
	const char *graph =
		"{\"op\":\"series\",\"of\":["
		"{\"op\":\"matrix\",\"data\":[[1,0.5],[-0.25,1]]},"
		"{\"op\":\"feedback\","
		"\"forward\":{\"op\":\"series\",\"of\":["
		"{\"op\":\"delay\",\"samples\":[3,5.5],\"interp\":\"linear\"},"
		"{\"op\":\"sos\",\"sections\":["
		"[[0.5,0.1,0.05,-0.3,0.2],[0,0.6,0.2,0.1,0.3]],"
		"[[1,-0.5,0.2,0.4,0.1],[0.7,0.2,0,-0.2,0.05]]]}]},"
		"\"back\":{\"op\":\"series\",\"of\":["
		"{\"op\":\"matrix\",\"data\":[[0.6,-0.5],[0.5,0.6]]},"
		"{\"op\":\"parallel\",\"in\":\"split\",\"out\":\"sum\",\"of\":["
		"{\"op\":\"delay\",\"samples\":[0.5,0],\"interp\":\"linear\"},"
		"{\"op\":\"feedback\","
		"\"forward\":{\"op\":\"delay\",\"samples\":[2,1]},"
		"\"back\":{\"op\":\"gain\",\"values\":[0.3,-0.4]}}]}]}},"
		"{\"op\":\"gain\",\"values\":[1,2]}]}";
	char *d = doc(2, 2, graph, NULL);
	struct adac_ir *ir = parse(d);
	struct adac_response *resp = NULL;
	struct adac_modal_map *m = NULL;
	struct adac_error err;
	double *x = NULL, *xn = NULL, in[2], out[2], worst = 0, peak = 0;
	long n, dim;
	int i, o;

	if (ir == NULL) {
		check(ir != NULL);
		goto out;
	}
	check_int(adac_sim_impulse(ir, len, NULL, 0, &resp, &err), ADAC_OK);
	check_int(adac_modal_map_new(ir->graph, &f64, &m, &err), ADAC_OK);
	if (resp == NULL || m == NULL)
		goto out;
	dim = adac_modal_map_dim(m);
	/* lines 3, 6, 1 (0.5), 2, 1; four sections of two */
	check_int(dim, 3 + 6 + 1 + 2 + 1 + 8);
	x = calloc((size_t)dim, sizeof *x);
	xn = calloc((size_t)dim, sizeof *xn);
	for (i = 0; i < 2; i++) {
		memset(x, 0, (size_t)dim * sizeof *x);
		for (n = 0; n < len; n++) {
			in[0] = in[1] = 0;
			if (n == 0)
				in[i] = 1;
			adac_modal_map_step(m, x, in, xn, out);
			memcpy(x, xn, (size_t)dim * sizeof *x);
			for (o = 0; o < 2; o++) {
				double h = adac_response_path(resp, i, o)[n];

				if (fabs(out[o] - h) > worst)
					worst = fabs(out[o] - h);
				if (fabs(h) > peak)
					peak = fabs(h);
			}
		}
	}
	check(peak > 0.1 && peak < 10);
	check_le(worst, 1e-12);
out:
	free(x);
	free(xn);
	adac_modal_map_free(m);
	adac_response_free(resp);
	adac_ir_free(ir);
	free(d);
}

/*
 * The same network analysed as a whole: its slowest mode predicts the
 * simulator's decay.  Over a window far past the transient, the envelope
 * of the impulse response shrinks by radius^k, up to the polynomial and
 * oscillating factors; the measured rate over 4000 samples agrees to 1e-3.
 */
static void
test_modal__slowest_mode_predicts_the_simulated_decay(void)
{
	const char *graph =
		"{\"op\":\"feedback\",\"forward\":{\"op\":\"series\",\"of\":["
		"{\"op\":\"delay\",\"samples\":[13]},"
		"{\"op\":\"sos\",\"sections\":[[[0.2,0.1,0,-1.6,0.9]]]}]},"
		"\"back\":{\"op\":\"gain\",\"values\":[0.3]}}";
	char *d = doc(1, 1, graph, NULL);
	struct adac_ir *ir = parse(d);
	struct adac_response *resp = NULL;
	struct adac_modal r;
	struct adac_error err;
	double e1 = 0, e2 = 0, rate;
	long n;

	if (ir == NULL) {
		check(ir != NULL);
		goto out;
	}
	check_int(adac_modal_analyze(ir->graph, &f64, NULL, &r, &err), ADAC_OK);
	check_int(adac_sim_impulse(ir, 12000, NULL, 0, &resp, &err), ADAC_OK);
	if (resp == NULL)
		goto out;
	/* peak envelopes over two windows 4000 samples apart */
	for (n = 4000; n < 4500; n++)
		if (fabs(resp->h[n]) > e1)
			e1 = fabs(resp->h[n]);
	for (n = 8000; n < 8500; n++)
		if (fabs(resp->h[n]) > e2)
			e2 = fabs(resp->h[n]);
	rate = pow(e2 / e1, 1.0 / 4000);
	check(r.radius < 1);
	check_near(rate, r.radius, 1e-3);
out:
	adac_response_free(resp);
	adac_ir_free(ir);
	free(d);
}

static void
test_modal__t60_and_frequency_have_closed_forms(void)
{
	struct adac_modal r;

	memset(&r, 0, sizeof r);
	r.radius = 0.5;
	r.omega = M_PI / 2;
	check_near(adac_modal_t60_s(&r, 48000), -3 / (48000 * log10(0.5)),
		   1e-18);
	check_near(adac_modal_freq_hz(&r, 48000), 12000, 1e-9);
	r.radius = 1;
	check(isinf(adac_modal_t60_s(&r, 48000)));
	r.radius = NAN;
	check(isnan(adac_modal_t60_s(&r, 48000)));
}

int
main(void)
{
	RUN(test_modal__delay_loop_radius_is_the_mth_root_of_its_gain);
	RUN(test_modal__a_chain_of_coefficients_compounds_their_errors);
	RUN(test_modal__rotation_loop_has_its_angle);
	RUN(test_modal__biquad_alone_has_its_poles);
	RUN(test_modal__biquad_in_a_loop_has_the_loop_polynomials_roots);
	RUN(test_modal__biquad_without_feedthrough_closes_a_loop);
	RUN(test_modal__non_normal_loop_is_bounded_below_one);
	RUN(test_modal__triangular_loop_splits_into_blocks);
	RUN(test_modal__jordan_block_bound_is_infinite_or_still_holds);
	RUN(test_modal__unstable_loop_has_a_growing_mode);
	RUN(test_modal__growth_floor_accounts_for_coefficient_error);
	RUN(test_modal__loops_in_parallel_or_series_are_separate_blocks);
	RUN(test_modal__decay_gains_are_the_certifiers);
	RUN(test_modal__arnoldi_finds_a_separated_dominant_mode);
	RUN(test_modal__arnoldi_on_equal_moduli_is_an_honest_estimate);
	RUN(test_modal__no_state_and_no_loop_are_exactly_zero);
	RUN(test_modal__non_finite_coefficients_have_no_bound);
	RUN(test_modal__too_large_a_loop_is_declined);
	RUN(test_modal__coefficient_error_must_be_a_fraction);
	RUN(test_modal__map_agrees_with_the_simulator);
	RUN(test_modal__slowest_mode_predicts_the_simulated_decay);
	RUN(test_modal__t60_and_frequency_have_closed_forms);
	return unit_done();
}
