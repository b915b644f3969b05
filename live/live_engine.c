#include "live.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "faust_values.h"

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#define HAVE_MXCSR 1
#endif

#define QUEUE_CAP 16384		/* parameter messages; a power of two */
#define RETIRE_CAP 16		/* finished programs on their way back */
#define PUSH_TIMEOUT_MS 2000

/* One parameter change on its way to the audio thread. */
struct msg {
	uint64_t serial;	/* the program it is for */
	int32_t index;		/* its parameter index there */
	int32_t ramp;		/* 1: ramp over smooth_frames */
	double value;
};

struct ramp {
	double start, target;
	int left, total;	/* frames; left > 0 while active */
	int listed;		/* its index is in the program's active list */
};

struct prog {
	uint64_t serial;	/* set when posted: posting order */
	struct adac_faust *dsp;
	int llvm;		/* built by the LLVM backend */
	char *name, *source;
	uint64_t hash;
	int n_in, n_out, n_param, mb;
	int std_only;		/* compiled with the standard libraries only */
	float **out;		/* n_out buffers of mb (max_block) frames */
	void **inptr, **outptr;
	/* audio side only, once posted */
	struct ramp *ramps;
	int *active, n_active;
	/* control side only */
	double *values;		/* what each parameter was last set to */
	double compile_ms, compile_cpu_ms;
	int64_t t_posted_ns;
	_Atomic int64_t t_taken_ns;	/* written once by the audio thread */
	/* the safety stage: set once by the audio thread, read by poll */
	atomic_int muted;	/* 0, or MUTE_* */
	float mute_peak;	/* the largest finite |sample| over the limit */
	int mute_told;		/* control side: the event was queued */
	struct prog *next;
};

enum { MUTE_LEVEL = 1, MUTE_NONFINITE = 2 };
#define MAX_EVENTS 16

struct shadow {
	char *address;
	double value;
};

struct adac_live {
	struct adac_live_config cfg;
	int xfade_frames, smooth_frames;
	float *fade_in, *fade_out;	/* xfade_frames gains each */
	float *zeros;

	float level_limit;	/* linear: the safety stage's */
	struct adac_live_mute events[MAX_EVENTS];	/* under ctl, for poll */
	int n_events;

	/* audio side */
	struct prog *cur, *old, *hold;
	int xpos;
	float *last;
	int have_last;
	struct adac_live_stats st;
	_Atomic int out_latency;

	/* shared */
	_Atomic(struct prog *) pending;
	struct prog *retired[RETIRE_CAP];
	_Atomic unsigned ret_head, ret_tail;	/* audio produces */
	struct msg queue[QUEUE_CAP];
	_Atomic unsigned q_head, q_tail;	/* control produces */
	_Atomic int64_t frames_done;

	/* control side */
	pthread_mutex_t ctl, load;
	struct prog *live;	/* posted and not yet retired, newest first */
	struct prog *running;	/* the newest posted */
	struct prog *cache;	/* compiled, idle, newest first */
	uint64_t next_serial;
	struct shadow *shadow;
	int n_shadow, cap_shadow;

	/*
	 * Set by adac_live_stop(), or by the caller (cfg.faust.cancel):
	 * compiles and waits give up.  It points to own_cancel unless the
	 * caller gave a flag of its own.
	 */
	atomic_int *cancel, own_cancel;
	int counted;		/* in count_engine() */

	/* the LLVM upgrade: one job, due after a quiet period */
	pthread_mutex_t up_lock;
	pthread_cond_t up_cond;
	pthread_t up_thread;
	int up_started, up_stop;
	char *up_name, *up_source;
	uint64_t up_serial;
	double up_due_ms;
};

int64_t
adac_live_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

/* FNV-1a: a quick first test before comparing texts. */
static uint64_t
hash_text(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

void
adac_live_config_init(struct adac_live_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->fs_hz = 48000;
	cfg->inputs = 0;
	cfg->outputs = 2;
	cfg->max_block = 256;
	cfg->xfade_ms = 10;
	cfg->smooth_ms = 10;
	cfg->cache = 8;
	cfg->cache_mb = 256;
	cfg->max_level_db = ADAC_LIVE_MAX_LEVEL_DB;
	adac_faust_options_init(&cfg->faust);
	cfg->faust.limits.cpu_s = ADAC_LIVE_COMPILE_CPU_S;
	cfg->faust.limits.wall_s = ADAC_LIVE_COMPILE_WALL_S;
	cfg->faust.limits.mem_mb = ADAC_LIVE_COMPILE_MEM_MB;
	cfg->faust.limits.program_mb = ADAC_LIVE_PROGRAM_MB;
}

/* Engines alive: while there is one, a compile worker waits started. */
static pthread_mutex_t engines_lock = PTHREAD_MUTEX_INITIALIZER;
static int engines;

static void
count_engine(int d, enum adac_faust_backend backend)
{
	pthread_mutex_lock(&engines_lock);
	engines += d;
	adac_faust_keep_workers(engines > 0 ? 1 : 0, backend);
	pthread_mutex_unlock(&engines_lock);
}

int
adac_live_new(const struct adac_live_config *cfg, struct adac_live **out,
	      struct adac_error *err)
{
	struct adac_live *live;
	int i, n;

	if (cfg->fs_hz <= 0 || cfg->fs_hz > 1536000)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "sample rate %d Hz is out of range", cfg->fs_hz);
	if (cfg->inputs < -1 || cfg->inputs > ADAC_LIVE_MAX_CHANNELS ||
	    cfg->outputs < -1 || cfg->outputs > ADAC_LIVE_MAX_CHANNELS)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "channel counts must be 0..%d",
				      ADAC_LIVE_MAX_CHANNELS);
	if (cfg->max_block < 0 || cfg->max_block > 65536)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "block size %d is out of range", cfg->max_block);
	if (!(cfg->xfade_ms >= 0 && cfg->xfade_ms <= 10000) ||
	    !(cfg->smooth_ms >= 0 && cfg->smooth_ms <= 10000))
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "crossfade and ramp times must be 0..10000 ms");
	if (!(cfg->cache_mb >= 0 && cfg->cache_mb <= 1 << 20))
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "the cache size must be 0..1048576 MB");
	if (!(cfg->max_level_db >= -60 && cfg->max_level_db <= 60))
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "the level limit must be -60..60 dBFS");
	live = calloc(1, sizeof *live);
	if (live == NULL)
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	live->cfg = *cfg;
	if (live->cfg.max_block == 0)
		live->cfg.max_block = 256;
	if (live->cfg.cache < 0)
		live->cfg.cache = 0;
	live->level_limit = (float)pow(10, cfg->max_level_db / 20);
	live->xfade_frames = (int)lround(cfg->xfade_ms * cfg->fs_hz / 1000);
	live->smooth_frames = (int)lround(cfg->smooth_ms * cfg->fs_hz / 1000);
	n = live->xfade_frames > 0 ? live->xfade_frames : 1;
	live->fade_in = malloc(n * sizeof(float));
	live->fade_out = malloc(n * sizeof(float));
	live->zeros = calloc(live->cfg.max_block, sizeof(float));
	live->last = calloc(ADAC_LIVE_MAX_CHANNELS, sizeof(float));
	if (live->fade_in == NULL || live->fade_out == NULL ||
	    live->zeros == NULL || live->last == NULL) {
		adac_live_free(live);
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	}
	/* equal power: sin² + cos² = 1 keeps uncorrelated signals' level */
	for (i = 0; i < live->xfade_frames; i++) {
		double th = M_PI / 2 * (i + 0.5) / live->xfade_frames;

		live->fade_in[i] = (float)sin(th);
		live->fade_out[i] = (float)cos(th);
	}
	pthread_mutex_init(&live->ctl, NULL);
	pthread_mutex_init(&live->load, NULL);
	pthread_mutex_init(&live->up_lock, NULL);
	pthread_cond_init(&live->up_cond, NULL);
	live->next_serial = 1;
	live->cancel = cfg->faust.cancel != NULL ? cfg->faust.cancel : &live->own_cancel;
	live->cfg.faust.cancel = live->cancel;
	count_engine(1, live->cfg.faust.backend);
	live->counted = 1;
	*out = live;
	return ADAC_OK;
}

static void
prog_free(struct prog *p)
{
	int i;

	if (p == NULL)
		return;
	adac_faust_free(p->dsp);
	if (p->out != NULL)
		for (i = 0; i < p->n_out; i++)
			free(p->out[i]);
	free(p->out);
	free(p->inptr);
	free(p->outptr);
	free(p->ramps);
	free(p->active);
	free(p->values);
	free(p->name);
	free(p->source);
	free(p);
}

static void
free_list(struct prog *p)
{
	struct prog *next;

	for (; p != NULL; p = next) {
		next = p->next;
		prog_free(p);
	}
}

void
adac_live_free(struct adac_live *live)
{
	struct prog *p;
	int i;

	if (live == NULL)
		return;
	if (live->fade_in != NULL || live->zeros != NULL)
		adac_live_stop(live);
	free(live->up_name);
	free(live->up_source);
	/* every program is on exactly one of these, or pending or held */
	p = atomic_exchange(&live->pending, NULL);
	if (p != NULL) {
		struct prog **pp;

		for (pp = &live->live; *pp != NULL; pp = &(*pp)->next)
			if (*pp == p) {
				*pp = p->next;
				break;
			}
		prog_free(p);
	}
	free_list(live->live);
	free_list(live->cache);
	for (i = 0; i < live->n_shadow; i++)
		free(live->shadow[i].address);
	free(live->shadow);
	free(live->fade_in);
	free(live->fade_out);
	free(live->zeros);
	free(live->last);
	if (live->counted)
		count_engine(-1, live->cfg.faust.backend);
	if (live->fade_in != NULL || live->zeros != NULL) {
		pthread_mutex_destroy(&live->ctl);
		pthread_mutex_destroy(&live->load);
		pthread_mutex_destroy(&live->up_lock);
		pthread_cond_destroy(&live->up_cond);
	}
	free(live);
}

void
adac_live_stop(struct adac_live *live)
{
	int join;

	atomic_store(live->cancel, 1);
	pthread_mutex_lock(&live->up_lock);
	join = live->up_started && !live->up_stop;
	live->up_stop = 1;
	pthread_cond_signal(&live->up_cond);
	pthread_mutex_unlock(&live->up_lock);
	if (join)
		pthread_join(live->up_thread, NULL);
}

/* ---- the audio side --------------------------------------------------- */

static struct prog *
find_target(struct adac_live *live, uint64_t serial, int *stall)
{
	*stall = 0;
	if (live->cur == NULL) {
		*stall = 1;
		return NULL;
	}
	if (serial == live->cur->serial)
		return live->cur;
	if (live->old != NULL && serial == live->old->serial)
		return live->old;
	if (serial > live->cur->serial)
		*stall = 1;	/* for a program posted but not yet taken */
	return NULL;
}

static void
apply_msg(struct adac_live *live, struct prog *p, const struct msg *m)
{
	struct ramp *r = &p->ramps[m->index];

	if (m->ramp && live->smooth_frames > 0) {
		r->start = adac_faust_param_get(p->dsp, m->index);
		r->target = m->value;
		r->total = live->smooth_frames;
		/*
		 * A set cancels a ramp but leaves its index listed until
		 * advance_ramps() next runs: list an index only once, or a
		 * set and a ramp of one parameter in one drain pass append
		 * it again and again past the end of the list.
		 */
		if (!r->listed) {
			p->active[p->n_active++] = m->index;
			r->listed = 1;
		}
		r->left = r->total;
		return;
	}
	r->left = 0;	/* a set cancels a ramp; advance_ramps drops it */
	adac_faust_param_set(p->dsp, m->index, m->value);
}

static void
drain(struct adac_live *live)
{
	unsigned head = atomic_load_explicit(&live->q_head, memory_order_relaxed);
	unsigned tail = atomic_load_explicit(&live->q_tail, memory_order_acquire);
	int stall;

	while (head != tail) {
		const struct msg *m = &live->queue[head & (QUEUE_CAP - 1)];
		struct prog *p = find_target(live, m->serial, &stall);

		if (stall)
			break;
		if (p != NULL && m->index >= 0 && m->index < p->n_param)
			apply_msg(live, p, m);
		head++;
	}
	atomic_store_explicit(&live->q_head, head, memory_order_release);
}

static void
advance_ramps(struct prog *p, int frames)
{
	int i, k = 0;

	for (i = 0; i < p->n_active; i++) {
		int idx = p->active[i];
		struct ramp *r = &p->ramps[idx];

		if (r->left <= 0) {
			r->listed = 0;
			continue;
		}
		r->left -= frames;
		if (r->left <= 0) {
			r->left = 0;
			r->listed = 0;
			adac_faust_param_set(p->dsp, idx, r->target);
			continue;
		}
		adac_faust_param_set(p->dsp, idx, r->target +
				     (r->start - r->target) * r->left / r->total);
		p->active[k++] = idx;
	}
	p->n_active = k;
}

static void
retire(struct adac_live *live, struct prog *p)
{
	unsigned tail = atomic_load_explicit(&live->ret_tail, memory_order_relaxed);
	unsigned head = atomic_load_explicit(&live->ret_head, memory_order_acquire);

	if (tail - head >= RETIRE_CAP) {
		live->hold = p;	/* the control side is behind: try again later */
		return;
	}
	live->retired[tail % RETIRE_CAP] = p;
	atomic_store_explicit(&live->ret_tail, tail + 1, memory_order_release);
	live->hold = NULL;
}

static void
take_pending(struct adac_live *live)
{
	struct prog *p;
	int64_t lat_ns;

	if (live->old != NULL || live->hold != NULL)
		return;
	if (atomic_load_explicit(&live->pending, memory_order_relaxed) == NULL)
		return;
	p = atomic_exchange_explicit(&live->pending, NULL, memory_order_acquire);
	if (p == NULL)
		return;
	lat_ns = (int64_t)atomic_load_explicit(&live->out_latency,
					       memory_order_relaxed) *
		 1000000000 / live->cfg.fs_hz;
	if (live->cur != NULL && live->xfade_frames > 0) {
		live->old = live->cur;
		live->xpos = 0;
	} else if (live->cur != NULL) {
		retire(live, live->cur);
	}
	live->cur = p;
	live->st.swaps++;
	atomic_store_explicit(&p->t_taken_ns, adac_live_now_ns() + lat_ns,
			      memory_order_release);
}

static void
compute(struct adac_live *live, struct prog *p, int n, int off,
	const float *const *in)
{
	int i, ni = live->cfg.inputs;

	for (i = 0; i < p->n_in; i++)
		p->inptr[i] = ni > 0 && in != NULL ? (void *)(in[i % ni] + off)
						   : (void *)live->zeros;
	adac_faust_compute(p->dsp, n, p->inptr, p->outptr);
}

/*
 * The safety stage: a block with a sample that is not finite or above
 * the level limit mutes its program (for good: it is not computed
 * again), before any of it is mixed.  The control side says so.
 */
static void
guard(struct adac_live *live, struct prog *p, int n)
{
	float lim = live->level_limit, peak = 0, x;
	int c, k, why = 0;

	for (c = 0; c < p->n_out; c++)
		for (k = 0; k < n; k++) {
			x = p->out[c][k];
			if (!isfinite(x)) {
				live->st.nonfinite++;
				why = MUTE_NONFINITE;
			} else if (fabsf(x) > lim) {
				if (why == 0)
					why = MUTE_LEVEL;
				if (fabsf(x) > peak)
					peak = fabsf(x);
			}
		}
	if (why != 0) {
		p->mute_peak = peak;
		atomic_store_explicit(&p->muted, why, memory_order_release);
		live->st.muted++;
	}
}

static int
sounding(const struct prog *p)
{
	return p != NULL &&
	       atomic_load_explicit(&p->muted, memory_order_relaxed) == 0;
}

static void
chunk(struct adac_live *live, int n, int off, const float *const *in,
      float *const *out)
{
	struct prog *cur, *old;
	float lim = live->level_limit;
	int c, k, X = live->xfade_frames;

	if (live->hold != NULL)
		retire(live, live->hold);
	take_pending(live);
	drain(live);
	cur = live->cur;
	old = live->old;
	if (sounding(cur)) {
		advance_ramps(cur, n);
		compute(live, cur, n, off, in);
		guard(live, cur, n);
	}
	if (sounding(old)) {
		advance_ramps(old, n);
		compute(live, old, n, off, in);
		guard(live, old, n);
	}
	for (c = 0; c < live->cfg.outputs; c++) {
		const float *a = sounding(cur) && c < cur->n_out ? cur->out[c] : NULL;
		const float *b = sounding(old) && c < old->n_out ? old->out[c] : NULL;
		float *o = out[c] + off;
		float prev = live->last[c];

		for (k = 0; k < n; k++) {
			float v;

			if (old != NULL && live->xpos + k < X) {
				int x = live->xpos + k;

				v = (a != NULL ? live->fade_in[x] * a[k] : 0.0f) +
				    (b != NULL ? live->fade_out[x] * b[k] : 0.0f);
			} else {
				v = a != NULL ? a[k] : 0.0f;
			}
			/* a crossfade of two programs may add up past it */
			if (!isfinite(v))
				v = 0.0f;
			else if (v > lim)
				v = lim;
			else if (v < -lim)
				v = -lim;
			if (fabsf(v) > live->st.peak)
				live->st.peak = fabsf(v);
			if ((live->have_last || k > 0) &&
			    fabsf(v - prev) > live->st.max_step)
				live->st.max_step = fabsf(v - prev);
			prev = v;
			o[k] = v;
		}
		live->last[c] = prev;
	}
	if (n > 0 && live->cfg.outputs > 0)
		live->have_last = 1;
	if (old != NULL) {
		live->xpos += n;
		if (live->xpos >= X) {
			live->old = NULL;
			retire(live, old);
		}
	}
	live->st.frames += n;
}

void
adac_live_process(struct adac_live *live, int frames, const float *const *in,
		  float *const *out)
{
	int off = 0, n;

#ifdef HAVE_MXCSR
	/* flush denormals to zero: decaying reverb tails otherwise crawl */
	_mm_setcsr(_mm_getcsr() | 0x8040);
#endif
	while (off < frames) {
		n = frames - off;
		if (n > live->cfg.max_block)
			n = live->cfg.max_block;
		chunk(live, n, off, in, out);
		off += n;
	}
	atomic_store_explicit(&live->frames_done, live->st.frames,
			      memory_order_release);
}

void
adac_live_set_output_latency(struct adac_live *live, int frames)
{
	atomic_store(&live->out_latency, frames > 0 ? frames : 0);
}

void
adac_live_stats(struct adac_live *live, struct adac_live_stats *st)
{
	*st = live->st;
}

/* ---- the control side ------------------------------------------------- */

static int
prog_new(struct adac_live *live, const char *name, const char *source,
	 const struct adac_faust_options *opt, struct prog **out,
	 enum adac_faust_limit *limit, struct adac_error *err)
{
	struct prog *p;
	double t0 = mono_ms();
	int i, rc, mb = live->cfg.max_block;

	*limit = ADAC_FAUST_LIMIT_NONE;

	p = calloc(1, sizeof *p);
	if (p == NULL)
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	p->name = strdup(name);
	p->source = strdup(source);
	if (p->name == NULL || p->source == NULL) {
		rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
		goto fail;
	}
	p->hash = hash_text(source);
	p->mb = mb;
	p->std_only = opt->std_libs_only;
	rc = adac_faust_compile_ex(name, source, opt, live->cfg.fs_hz, &p->dsp,
				   limit, err);
	if (rc != ADAC_OK)
		goto fail;
	p->llvm = opt->backend == ADAC_FAUST_LLVM;
	p->n_in = adac_faust_inputs(p->dsp);
	p->n_out = adac_faust_outputs(p->dsp);
	p->n_param = adac_faust_param_count(p->dsp);
	p->out = calloc(p->n_out + 1, sizeof *p->out);
	p->inptr = calloc(p->n_in + 1, sizeof *p->inptr);
	p->outptr = calloc(p->n_out + 1, sizeof *p->outptr);
	p->ramps = calloc(p->n_param + 1, sizeof *p->ramps);
	p->active = calloc(p->n_param + 1, sizeof *p->active);
	p->values = calloc(p->n_param + 1, sizeof *p->values);
	if (p->out == NULL || p->inptr == NULL || p->outptr == NULL ||
	    p->ramps == NULL || p->active == NULL || p->values == NULL) {
		rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
		goto fail;
	}
	for (i = 0; i < p->n_out; i++) {
		p->out[i] = calloc(mb, sizeof(float));
		if (p->out[i] == NULL) {
			rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
			goto fail;
		}
		p->outptr[i] = p->out[i];
	}
	for (i = 0; i < p->n_param; i++)
		p->values[i] = adac_faust_param_get(p->dsp, i);
	p->compile_ms = mono_ms() - t0;
	/* the worker's and ours: a figure a busy machine does not inflate */
	p->compile_cpu_ms = adac_faust_compile_cpu_ms(p->dsp);
	*out = p;
	return ADAC_OK;
fail:
	prog_free(p);
	return rc;
}

/* Make an idle program as good as new: state cleared, values at init. */
static void
prog_reset(struct prog *p)
{
	int i;

	adac_faust_clear(p->dsp);
	adac_faust_reset_params(p->dsp);
	for (i = 0; i < p->n_param; i++) {
		p->values[i] = adac_faust_param_get(p->dsp, i);
		p->ramps[i].left = 0;
		p->ramps[i].listed = 0;
	}
	p->n_active = 0;
	p->serial = 0;
	atomic_store(&p->t_taken_ns, 0);
	atomic_store(&p->muted, 0);
	p->mute_told = 0;
	p->mute_peak = 0;
}

static int
same_text(const struct prog *p, const char *source, uint64_t hash)
{
	return p->hash == hash && strcmp(p->source, source) == 0;
}

/*
 * Under ctl: take an idle compiled copy of source out of the cache; for
 * code from the network, only one compiled as such (the same text from
 * the watched file may have found a library beside it).
 */
static struct prog *
cache_take(struct adac_live *live, const char *source, unsigned flags)
{
	uint64_t h = hash_text(source);
	struct prog **pp, *p;

	for (pp = &live->cache; *pp != NULL; pp = &(*pp)->next)
		if (same_text(*pp, source, h) &&
		    (!(flags & ADAC_LIVE_UNTRUSTED) || (*pp)->std_only)) {
			p = *pp;
			*pp = p->next;
			p->next = NULL;
			return p;
		}
	return NULL;
}

/* What p holds: its instance and code, and the engine's buffers for it. */
static size_t
prog_bytes(const struct prog *p)
{
	return adac_faust_memory_bytes(p->dsp) + sizeof *p +
	       (size_t)p->n_out * p->mb * sizeof(float) +
	       (size_t)p->n_param * (sizeof *p->ramps + sizeof *p->active +
				     sizeof *p->values) +
	       strlen(p->source) + strlen(p->name);
}

/*
 * Under ctl: keep p for reuse, dropping the oldest beyond cfg.cache
 * programs or cfg.cache_mb megabytes (a delay-line program can hold
 * hundreds of them).
 */
static void
cache_put(struct adac_live *live, struct prog *p)
{
	size_t max = (size_t)(live->cfg.cache_mb * (1 << 20)), bytes = 0;
	struct prog **pp;
	int n = 0;

	if (live->cfg.cache <= 0 || prog_bytes(p) > max) {
		prog_free(p);
		return;
	}
	prog_reset(p);
	p->next = live->cache;
	live->cache = p;
	for (pp = &live->cache; *pp != NULL; pp = &(*pp)->next) {
		bytes += prog_bytes(*pp);
		if (++n > live->cfg.cache || bytes > max) {
			free_list(*pp);
			*pp = NULL;
			break;
		}
	}
}

void
adac_live_cache_usage(struct adac_live *live, int *programs, size_t *bytes,
		      size_t *max_bytes)
{
	struct prog *p;

	pthread_mutex_lock(&live->ctl);
	*programs = 0;
	*bytes = 0;
	for (p = live->cache; p != NULL; p = p->next) {
		(*programs)++;
		*bytes += prog_bytes(p);
	}
	*max_bytes = (size_t)(live->cfg.cache_mb * (1 << 20));
	pthread_mutex_unlock(&live->ctl);
}

static void
unlink_live(struct adac_live *live, struct prog *p)
{
	struct prog **pp;

	for (pp = &live->live; *pp != NULL; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			p->next = NULL;
			return;
		}
}

/* Under ctl: queue the event of a program the safety stage muted. */
static void
note_mute(struct adac_live *live, struct prog *p)
{
	int why = atomic_load_explicit(&p->muted, memory_order_acquire);
	struct adac_live_mute *e;

	if (why == 0 || p->mute_told || live->n_events == MAX_EVENTS)
		return;
	p->mute_told = 1;
	e = &live->events[live->n_events++];
	e->id = p->serial;
	e->nonfinite = why == MUTE_NONFINITE;
	e->peak = why == MUTE_LEVEL ? p->mute_peak : -1;
	e->limit_db = live->cfg.max_level_db;
}

static void
poll_locked(struct adac_live *live)
{
	unsigned head = atomic_load_explicit(&live->ret_head, memory_order_relaxed);
	unsigned tail = atomic_load_explicit(&live->ret_tail, memory_order_acquire);

	while (head != tail) {
		struct prog *p = live->retired[head % RETIRE_CAP];

		head++;
		atomic_store_explicit(&live->ret_head, head, memory_order_release);
		unlink_live(live, p);
		note_mute(live, p);
		cache_put(live, p);
	}
}

void
adac_live_poll(struct adac_live *live)
{
	struct adac_live_mute ev[MAX_EVENTS];
	struct prog *p;
	int i, n;

	pthread_mutex_lock(&live->ctl);
	for (p = live->live; p != NULL; p = p->next)
		note_mute(live, p);
	poll_locked(live);
	n = live->n_events;
	memcpy(ev, live->events, n * sizeof *ev);
	live->n_events = 0;
	pthread_mutex_unlock(&live->ctl);
	for (i = 0; i < n; i++)
		if (live->cfg.on_mute != NULL)
			live->cfg.on_mute(&ev[i], live->cfg.ctx);
}

int
adac_live_muted(struct adac_live *live)
{
	int m;

	pthread_mutex_lock(&live->ctl);
	m = live->running != NULL && atomic_load(&live->running->muted) != 0;
	pthread_mutex_unlock(&live->ctl);
	return m;
}

char *
adac_live_mute_json(const struct adac_live_mute *m)
{
	json_t *o = json_pack("{s:s,s:I,s:I,s:s,s:o,s:f}", "event", "muted",
			      "time_ms", (json_int_t)(adac_live_now_ns() / 1000000),
			      "id", (json_int_t)m->id,
			      "reason", m->nonfinite ? "non-finite" : "level",
			      "peak_db", m->peak > 0
					 ? json_real(round(2000 * log10(m->peak)) / 100)
					 : json_null(),
			      "limit_db", m->limit_db);
	char *s = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER |
					 JSON_REAL_PRECISION(12)) : NULL;

	json_decref(o);
	return s;
}

/*
 * Under ctl: queue one message, waiting while the queue is full (the
 * audio thread drains it every block).  Returns the queue position after
 * it, for waiting until the audio thread has read it.
 */
static int
push_msg(struct adac_live *live, uint64_t serial, int index, int ramp,
	 double value, unsigned *pos)
{
	unsigned tail = atomic_load_explicit(&live->q_tail, memory_order_relaxed);
	double t0 = 0;

	while (tail - atomic_load_explicit(&live->q_head, memory_order_acquire) >=
	       QUEUE_CAP) {
		if (t0 == 0)
			t0 = mono_ms();
		else if (mono_ms() - t0 > PUSH_TIMEOUT_MS || atomic_load(live->cancel))
			return -1;
		sleep_us(200);
	}
	live->queue[tail & (QUEUE_CAP - 1)] = (struct msg){ serial, index, ramp, value };
	atomic_store_explicit(&live->q_tail, tail + 1, memory_order_release);
	if (pos != NULL)
		*pos = tail + 1;
	return 0;
}

static int
shadow_set(struct adac_live *live, const char *address, double value)
{
	int i;

	for (i = 0; i < live->n_shadow; i++)
		if (strcmp(live->shadow[i].address, address) == 0) {
			live->shadow[i].value = value;
			return 0;
		}
	if (live->n_shadow == live->cap_shadow) {
		int cap = live->cap_shadow ? 2 * live->cap_shadow : 16;
		struct shadow *s = realloc(live->shadow, cap * sizeof *s);

		if (s == NULL)
			return -1;
		live->shadow = s;
		live->cap_shadow = cap;
	}
	live->shadow[live->n_shadow].address = strdup(address);
	if (live->shadow[live->n_shadow].address == NULL)
		return -1;
	live->shadow[live->n_shadow++].value = value;
	return 0;
}

static int
settable(const struct adac_faust *dsp, int i)
{
	return strstr(adac_faust_param_kind(dsp, i), "bargraph") == NULL;
}

/* v within the range parameter i of dsp declares (when it declares one). */
static double
clamp_to(const struct adac_faust *dsp, int i, double v)
{
	double mn, mx;

	adac_faust_param_range(dsp, i, &mn, &mx, NULL, NULL);
	if (!(mn <= mx))
		return v;
	return v < mn ? mn : v > mx ? mx : v;
}

/* Under ctl: give p the values users set, by address.  Returns how many. */
static int
carry_over(struct adac_live *live, struct prog *p)
{
	int i, j, kept = 0;
	double v;

	for (i = 0; i < live->n_shadow; i++) {
		j = adac_faust_param_find(p->dsp, live->shadow[i].address);
		if (j < 0 || !settable(p->dsp, j))
			continue;
		/* another program may declare another range */
		v = clamp_to(p->dsp, j, live->shadow[i].value);
		adac_faust_param_set(p->dsp, j, v);
		p->values[j] = v;
		kept++;
	}
	return kept;
}

static double
ns_to_ms(int64_t ns)
{
	return ns / 1e6;
}

static void
report_init(struct adac_live_report *rep, const struct adac_live *live)
{
	memset(rep, 0, sizeof *rep);
	rep->compile_ms = -1;
	rep->compile_cpu_ms = -1;
	rep->swap_ms = -1;
	rep->write_to_audible_ms = -1;
	rep->detect_to_audible_ms = -1;
	rep->xfade_ms = live->cfg.xfade_ms;
	adac_error_clear(&rep->error);
}

static void
report_prog(struct adac_live_report *rep, const struct prog *p)
{
	rep->backend = p->llvm ? "llvm" : "interp";
	rep->id = p->serial;
	rep->inputs = p->n_in;
	rep->outputs = p->n_out;
	rep->params = p->n_param;
}

/*
 * Under ctl: apply a value-only change of the running program, or
 * return 0 when source is not one.
 */
static int
try_values(struct adac_live *live, const char *source, unsigned *pos,
	   struct adac_live_report *rep)
{
	struct prog *p = live->running;
	char **labels = NULL;
	double *values = NULL, mn, mx;
	int *idx = NULL, count = 0, i, r, done = 0;
	char *copy = NULL;

	r = adac_faust_values_diff(p->source, source, &labels, &values, &count);
	if (r != 1)
		return r < 0 ? -1 : 0;
	idx = calloc(count + 1, sizeof *idx);
	copy = strdup(source);
	if (idx == NULL || copy == NULL) {
		done = -1;
		goto out;
	}
	/* every changed value must name one settable parameter in range */
	for (i = 0; i < count; i++) {
		idx[i] = adac_faust_param_lookup(p->dsp, labels[i]);
		if (idx[i] < 0 || !settable(p->dsp, idx[i]))
			goto out;
		adac_faust_param_range(p->dsp, idx[i], &mn, &mx, NULL, NULL);
		if (!(values[i] >= mn && values[i] <= mx))
			goto out;
	}
	for (i = 0; i < count; i++) {
		if (push_msg(live, p->serial, idx[i], 1, values[i], pos) != 0) {
			done = -1;
			goto out;
		}
		p->values[idx[i]] = values[i];
	}
	free(p->source);
	p->source = copy;
	copy = NULL;
	p->hash = hash_text(p->source);
	/* only comments changed: the same program */
	rep->status = count > 0 ? ADAC_LIVE_VALUES : ADAC_LIVE_UNCHANGED;
	rep->values_changed = count;
	report_prog(rep, p);
	done = 1;
out:
	free(copy);
	free(idx);
	adac_faust_values_free(labels, values, count);
	return done;
}

static void
wait_taken(struct prog *p, int wait_ms, atomic_int *cancel,
	   struct adac_live_report *rep, int64_t write_ns)
{
	double t0 = mono_ms();
	int64_t t;

	while ((t = atomic_load_explicit(&p->t_taken_ns, memory_order_acquire)) == 0 &&
	       mono_ms() - t0 < wait_ms && !atomic_load(cancel))
		sleep_us(100);
	if (t == 0)
		return;
	rep->swap_ms = ns_to_ms(t - p->t_posted_ns);
	if (write_ns > 0)
		rep->write_to_audible_ms = ns_to_ms(t - write_ns);
}

static void
wait_drained(struct adac_live *live, unsigned pos, int wait_ms,
	     struct adac_live_report *rep, int64_t write_ns, int64_t posted_ns)
{
	double t0 = mono_ms();
	int64_t lat_ns;

	while ((int)(atomic_load_explicit(&live->q_head, memory_order_acquire) - pos) < 0) {
		if (mono_ms() - t0 >= wait_ms || atomic_load(live->cancel))
			return;
		sleep_us(100);
	}
	lat_ns = (int64_t)atomic_load(&live->out_latency) * 1000000000 /
		 live->cfg.fs_hz;
	rep->swap_ms = ns_to_ms(adac_live_now_ns() + lat_ns - posted_ns);
	if (write_ns > 0)
		rep->write_to_audible_ms =
			ns_to_ms(adac_live_now_ns() + lat_ns - write_ns);
}

/* Under ctl: post p to the audio side; returns a program it never took. */
static struct prog *
post_locked(struct adac_live *live, struct prog *p)
{
	struct prog *stale;

	p->serial = live->next_serial++;
	p->t_posted_ns = adac_live_now_ns();
	stale = atomic_exchange(&live->pending, p);
	if (stale != NULL)
		unlink_live(live, stale);	/* the audio side never took it */
	p->next = live->live;
	live->live = p;
	live->running = p;
	return stale;
}

static void *upgrade_thread(void *arg);

/*
 * After a load with the interpreter: (re)arm the LLVM build of the
 * running program, due once upgrade_ms pass without another load.
 */
static void
schedule_upgrade(struct adac_live *live, const char *name, const char *source,
		 uint64_t serial)
{
	char *n, *s;

	if (live->cfg.upgrade_ms <= 0 || live->cfg.faust.backend != ADAC_FAUST_INTERP)
		return;
	n = strdup(name);
	s = strdup(source);
	pthread_mutex_lock(&live->up_lock);
	if (live->up_stop) {
		pthread_mutex_unlock(&live->up_lock);
		free(n);
		free(s);
		return;
	}
	if (!live->up_started && n != NULL && s != NULL &&
	    pthread_create(&live->up_thread, NULL, upgrade_thread, live) == 0)
		live->up_started = 1;
	free(live->up_name);
	free(live->up_source);
	live->up_name = n;
	live->up_source = s;
	live->up_serial = serial;
	live->up_due_ms = mono_ms() + live->cfg.upgrade_ms;
	pthread_cond_signal(&live->up_cond);
	pthread_mutex_unlock(&live->up_lock);
}

/* Compile name/source with LLVM and swap it in if serial still runs. */
static void
upgrade(struct adac_live *live, const char *name, const char *source,
	uint64_t serial)
{
	struct adac_faust_options opt = live->cfg.faust;
	struct adac_live_report rep;
	struct prog *p = NULL, *run, *stale = NULL;
	char *src_now;
	int i, j, stop;

	report_init(&rep, live);
	opt.backend = ADAC_FAUST_LLVM;
	if (prog_new(live, name, source, &opt, &p, &rep.limit, &rep.error) != ADAC_OK)
		return;		/* it compiled with the interpreter: rare */
	pthread_mutex_lock(&live->up_lock);
	stop = live->up_stop;
	pthread_mutex_unlock(&live->up_lock);
	if (stop) {
		prog_free(p);	/* stopping: no swap, and nothing said */
		return;
	}
	pthread_mutex_lock(&live->load);
	pthread_mutex_lock(&live->ctl);
	poll_locked(live);
	run = live->running;
	if (run == NULL || run->serial != serial || run->llvm ||
	    (src_now = strdup(run->source)) == NULL) {
		pthread_mutex_unlock(&live->ctl);
		pthread_mutex_unlock(&live->load);
		prog_free(p);
		return;
	}
	/* every value, set by users or by value-only loads since */
	for (i = 0; i < p->n_param; i++) {
		j = adac_faust_param_find(run->dsp, adac_faust_param_address(p->dsp, i));
		if (j < 0 || !settable(p->dsp, i))
			continue;
		adac_faust_param_set(p->dsp, i, run->values[j]);
		p->values[i] = run->values[j];
		rep.params_kept++;
	}
	free(p->source);
	p->source = src_now;
	p->hash = hash_text(src_now);
	stale = post_locked(live, p);
	rep.status = ADAC_LIVE_SWAPPED;
	rep.upgrade = 1;
	rep.compile_ms = p->compile_ms;
	rep.compile_cpu_ms = p->compile_cpu_ms;
	report_prog(&rep, p);
	pthread_mutex_unlock(&live->ctl);
	prog_free(stale);
	wait_taken(p, 2000, live->cancel, &rep, p->t_posted_ns);
	pthread_mutex_unlock(&live->load);
	if (live->cfg.on_upgrade != NULL)
		live->cfg.on_upgrade(&rep, live->cfg.ctx);
}

static void *
upgrade_thread(void *arg)
{
	struct adac_live *live = arg;
	struct timespec ts;
	char *name, *source;
	uint64_t serial;
	double now, due;

	pthread_mutex_lock(&live->up_lock);
	while (!live->up_stop) {
		if (live->up_source == NULL) {
			pthread_cond_wait(&live->up_cond, &live->up_lock);
			continue;
		}
		now = mono_ms();
		if (now < live->up_due_ms) {
			due = live->up_due_ms - now;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += (time_t)(due / 1000);
			ts.tv_nsec += (long)(fmod(due, 1000) * 1e6);
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&live->up_cond, &live->up_lock, &ts);
			continue;
		}
		name = live->up_name;
		source = live->up_source;
		serial = live->up_serial;
		live->up_name = live->up_source = NULL;
		pthread_mutex_unlock(&live->up_lock);
		upgrade(live, name, source, serial);
		free(name);
		free(source);
		pthread_mutex_lock(&live->up_lock);
	}
	pthread_mutex_unlock(&live->up_lock);
	return NULL;
}

int
adac_live_load(struct adac_live *live, const char *name, const char *source,
	       int64_t write_ns, int wait_ms, unsigned flags,
	       struct adac_live_report *rep)
{
	struct adac_faust_options opt = live->cfg.faust;

	struct prog *p = NULL, *stale = NULL;
	struct adac_error *err = &rep->error;
	unsigned pos = 0;
	int64_t posted_ns;
	int rc = ADAC_OK, r;

	report_init(rep, live);
	pthread_mutex_lock(&live->load);
	pthread_mutex_lock(&live->ctl);
	poll_locked(live);
	if (live->running != NULL) {
		if (same_text(live->running, source, hash_text(source))) {
			rep->status = ADAC_LIVE_UNCHANGED;
			report_prog(rep, live->running);
			pthread_mutex_unlock(&live->ctl);
			goto out;
		}
		posted_ns = adac_live_now_ns();
		r = try_values(live, source, &pos, rep);
		if (r != 0) {
			pthread_mutex_unlock(&live->ctl);
			if (r < 0) {
				rc = adac_error_set(err, ADAC_E_NOMEM, "",
						    "out of memory or audio stopped");
				rep->status = ADAC_LIVE_FAILED;
				goto out;
			}
			if (wait_ms > 0 && rep->values_changed > 0)
				wait_drained(live, pos, wait_ms, rep, write_ns,
					     posted_ns);
			goto out;
		}
	}
	p = cache_take(live, source, flags);
	pthread_mutex_unlock(&live->ctl);
	if (p != NULL) {
		rep->cached = 1;
		rep->compile_ms = 0;
	} else {
		opt.std_libs_only = (flags & ADAC_LIVE_UNTRUSTED) != 0;
		rc = prog_new(live, name, source, &opt, &p, &rep->limit, err);
		/* a cancelled compile is a failed load, not a failed engine */
		if (rc == ADAC_E_INPUT || rep->limit == ADAC_FAUST_LIMIT_CANCELLED) {
			rep->status = ADAC_LIVE_FAILED;
			rc = ADAC_OK;
			goto out;
		}
		if (rc != ADAC_OK) {
			rep->status = ADAC_LIVE_FAILED;
			goto out;
		}
		rep->compile_ms = p->compile_ms;
		rep->compile_cpu_ms = p->compile_cpu_ms;
	}
	pthread_mutex_lock(&live->ctl);
	if (live->cfg.inputs < 0)
		live->cfg.inputs = p->n_in < ADAC_LIVE_MAX_CHANNELS
				   ? p->n_in : ADAC_LIVE_MAX_CHANNELS;
	if (live->cfg.outputs < 0)
		live->cfg.outputs = p->n_out < ADAC_LIVE_MAX_CHANNELS
				    ? p->n_out : ADAC_LIVE_MAX_CHANNELS;
	rep->params_kept = carry_over(live, p);
	stale = post_locked(live, p);
	rep->status = ADAC_LIVE_SWAPPED;
	report_prog(rep, p);
	pthread_mutex_unlock(&live->ctl);
	prog_free(stale);
	if (wait_ms > 0)
		wait_taken(p, wait_ms, live->cancel, rep, write_ns);
out:
	if ((rep->status == ADAC_LIVE_SWAPPED || rep->status == ADAC_LIVE_VALUES) &&
	    rep->backend != NULL && strcmp(rep->backend, "interp") == 0)
		schedule_upgrade(live, name, source, rep->id);
	pthread_mutex_unlock(&live->load);
	return rc;
}

int
adac_live_compile(struct adac_live *live, const char *name,
		  const char *source, unsigned flags, char **json_ui,
		  double *compile_ms, int *inputs, int *outputs,
		  enum adac_faust_limit *limit, struct adac_error *err)
{
	struct adac_faust_options opt = live->cfg.faust;
	enum adac_faust_limit lim = ADAC_FAUST_LIMIT_NONE;
	struct prog *p = NULL;
	char *ui = NULL;
	int rc;

	if (limit == NULL)
		limit = &lim;
	*limit = ADAC_FAUST_LIMIT_NONE;

	pthread_mutex_lock(&live->ctl);
	p = cache_take(live, source, flags);
	if (p == NULL && live->running != NULL &&
	    same_text(live->running, source, hash_text(source))) {
		/* running already: report it without compiling again */
		if (json_ui != NULL &&
		    (ui = strdup(adac_faust_json_ui(live->running->dsp))) == NULL) {
			pthread_mutex_unlock(&live->ctl);
			return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
		}
		if (compile_ms != NULL)
			*compile_ms = 0;
		if (inputs != NULL)
			*inputs = live->running->n_in;
		if (outputs != NULL)
			*outputs = live->running->n_out;
		if (json_ui != NULL)
			*json_ui = ui;
		pthread_mutex_unlock(&live->ctl);
		return ADAC_OK;
	}
	pthread_mutex_unlock(&live->ctl);
	if (p == NULL) {
		opt.std_libs_only = (flags & ADAC_LIVE_UNTRUSTED) != 0;
		rc = prog_new(live, name, source, &opt, &p, limit, err);
		if (rc != ADAC_OK)
			return rc;
	}
	if (json_ui != NULL &&
	    (ui = strdup(adac_faust_json_ui(p->dsp))) == NULL) {
		pthread_mutex_lock(&live->ctl);
		cache_put(live, p);
		pthread_mutex_unlock(&live->ctl);
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	}
	if (compile_ms != NULL)
		*compile_ms = p->compile_ms;
	if (inputs != NULL)
		*inputs = p->n_in;
	if (outputs != NULL)
		*outputs = p->n_out;
	if (json_ui != NULL)
		*json_ui = ui;
	pthread_mutex_lock(&live->ctl);
	/* cache_put resets it: a program compiled here is idle and fresh */
	cache_put(live, p);
	pthread_mutex_unlock(&live->ctl);
	return ADAC_OK;
}

uint64_t
adac_live_running_id(struct adac_live *live)
{
	uint64_t id;

	pthread_mutex_lock(&live->ctl);
	id = live->running != NULL ? live->running->serial : 0;
	pthread_mutex_unlock(&live->ctl);
	return id;
}

void
adac_live_io(struct adac_live *live, int *inputs, int *outputs)
{
	pthread_mutex_lock(&live->ctl);
	*inputs = live->running != NULL ? live->running->n_in : 0;
	*outputs = live->running != NULL ? live->running->n_out : 0;
	pthread_mutex_unlock(&live->ctl);
}

void
adac_live_channels(struct adac_live *live, int *inputs, int *outputs)
{
	pthread_mutex_lock(&live->ctl);
	*inputs = live->cfg.inputs;
	*outputs = live->cfg.outputs;
	pthread_mutex_unlock(&live->ctl);
}

char *
adac_live_source(struct adac_live *live)
{
	char *s = NULL;

	pthread_mutex_lock(&live->ctl);
	if (live->running != NULL)
		s = strdup(live->running->source);
	pthread_mutex_unlock(&live->ctl);
	return s;
}

char *
adac_live_json_ui(struct adac_live *live)
{
	char *s = NULL;

	pthread_mutex_lock(&live->ctl);
	if (live->running != NULL)
		s = strdup(adac_faust_json_ui(live->running->dsp));
	pthread_mutex_unlock(&live->ctl);
	return s;
}

/* Under ctl: the running program's settable parameter at address. */
static int
lookup(struct adac_live *live, const char *address, struct adac_error *err)
{
	int i;

	if (live->running == NULL)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "no program is running"), -1;
	i = adac_faust_param_lookup(live->running->dsp, address);
	if (i == -2)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "'%s' names several parameters", address), -1;
	if (i < 0 || !settable(live->running->dsp, i))
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "no parameter '%s'", address), -1;
	return i;
}

int
adac_live_param_set(struct adac_live *live, const char *address, double value,
		    double *applied, struct adac_error *err)
{
	const char *full;
	struct prog *p;
	double v;
	int i, j, rc = ADAC_OK;

	if (!isfinite(value))
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "parameter value is not finite");
	pthread_mutex_lock(&live->ctl);
	poll_locked(live);
	i = lookup(live, address, err);
	if (i < 0) {
		rc = ADAC_E_INPUT;
		goto out;
	}
	full = adac_faust_param_address(live->running->dsp, i);
	/* what the running program's control allows is what is kept */
	value = clamp_to(live->running->dsp, i, value);
	if (shadow_set(live, full, value) != 0) {
		rc = adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
		goto out;
	}
	for (p = live->live; p != NULL; p = p->next) {
		j = adac_faust_param_find(p->dsp, full);
		if (j < 0 || !settable(p->dsp, j))
			continue;
		v = clamp_to(p->dsp, j, value);
		if (push_msg(live, p->serial, j, 0, v, NULL) != 0) {
			rc = adac_error_set(err, ADAC_E_DEPENDENCY, "",
					    "the audio thread is not running");
			goto out;
		}
		p->values[j] = v;
	}
	if (applied != NULL)
		*applied = value;
out:
	pthread_mutex_unlock(&live->ctl);
	return rc;
}

int
adac_live_param_get(struct adac_live *live, const char *address,
		    double *value, struct adac_error *err)
{
	int i, rc = ADAC_OK;

	pthread_mutex_lock(&live->ctl);
	i = lookup(live, address, err);
	if (i < 0)
		rc = ADAC_E_INPUT;
	else
		*value = live->running->values[i];
	pthread_mutex_unlock(&live->ctl);
	return rc;
}

char *
adac_live_params_json(struct adac_live *live)
{
	json_t *o = json_object();
	struct prog *p;
	char *s = NULL;
	int i;

	if (o == NULL)
		return NULL;
	pthread_mutex_lock(&live->ctl);
	p = live->running;
	for (i = 0; p != NULL && i < p->n_param; i++)
		if (settable(p->dsp, i) &&
		    json_object_set_new(o, adac_faust_param_address(p->dsp, i),
					json_real(p->values[i])) != 0)
			goto out;
	s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(9));
out:
	pthread_mutex_unlock(&live->ctl);
	json_decref(o);
	return s;
}

static const char *
status_name(enum adac_live_status s)
{
	switch (s) {
	case ADAC_LIVE_SWAPPED:
		return "swapped";
	case ADAC_LIVE_VALUES:
		return "values";
	case ADAC_LIVE_UNCHANGED:
		return "unchanged";
	default:
		return "failed";
	}
}

static const char *
limit_name(enum adac_faust_limit l)
{
	switch (l) {
	case ADAC_FAUST_LIMIT_NONE: break;
	case ADAC_FAUST_LIMIT_CPU: return "compile-cpu";
	case ADAC_FAUST_LIMIT_WALL: return "compile-wall";
	case ADAC_FAUST_LIMIT_MEMORY: return "compile-mem";
	case ADAC_FAUST_LIMIT_STACK: return "stack";
	case ADAC_FAUST_LIMIT_PROGRAM: return "program-mb";
	case ADAC_FAUST_LIMIT_CRASH: return "crash";
	case ADAC_FAUST_LIMIT_CANCELLED: return "cancelled";
	}
	return "none";
}

/* Milliseconds to the microsecond, or null when unknown (negative). */
static json_t *
ms_json(double ms)
{
	if (!(ms >= 0))
		return json_null();
	return json_real(round(ms * 1000) / 1000);
}

char *
adac_live_report_json(const struct adac_live_report *rep, const char *file)
{
	json_t *o = json_object();
	char *s = NULL;
	int bad = 0;

	if (o == NULL)
		return NULL;
	bad |= json_object_set_new(o, "event",
				   json_string(rep->upgrade ? "upgrade" : "reload"));
	bad |= json_object_set_new(o, "time_ms",
				   json_integer(adac_live_now_ns() / 1000000));
	if (file != NULL)
		bad |= json_object_set_new(o, "file", json_string(file));
	bad |= json_object_set_new(o, "status",
				   json_string(status_name(rep->status)));
	if (rep->status == ADAC_LIVE_FAILED) {
		bad |= json_object_set_new(o, "error",
					   json_string(rep->error.text));
		if (rep->limit != ADAC_FAUST_LIMIT_NONE)
			bad |= json_object_set_new(o, "limit",
						   json_string(limit_name(rep->limit)));
	} else {
		bad |= json_object_set_new(o, "id", json_integer((json_int_t)rep->id));
		bad |= json_object_set_new(o, "inputs", json_integer(rep->inputs));
		bad |= json_object_set_new(o, "outputs", json_integer(rep->outputs));
		bad |= json_object_set_new(o, "params", json_integer(rep->params));
	}
	if (rep->status == ADAC_LIVE_SWAPPED) {
		bad |= json_object_set_new(o, "backend", json_string(rep->backend));
		bad |= json_object_set_new(o, "cached", json_boolean(rep->cached));
		bad |= json_object_set_new(o, "params_kept",
					   json_integer(rep->params_kept));
		bad |= json_object_set_new(o, "xfade_ms", ms_json(rep->xfade_ms));
	}
	if (rep->status == ADAC_LIVE_VALUES)
		bad |= json_object_set_new(o, "values_changed",
					   json_integer(rep->values_changed));
	bad |= json_object_set_new(o, "compile_ms", ms_json(rep->compile_ms));
	if (rep->compile_cpu_ms >= 0)
		bad |= json_object_set_new(o, "compile_cpu_ms",
					   ms_json(rep->compile_cpu_ms));
	bad |= json_object_set_new(o, "swap_ms", ms_json(rep->swap_ms));
	bad |= json_object_set_new(o, "write_to_audible_ms",
				   ms_json(rep->write_to_audible_ms));
	if (rep->detect_to_audible_ms >= 0)
		bad |= json_object_set_new(o, "detect_to_audible_ms",
					   ms_json(rep->detect_to_audible_ms));
	if (!bad)
		s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER |
				  JSON_REAL_PRECISION(12));
	json_decref(o);
	return s;
}
