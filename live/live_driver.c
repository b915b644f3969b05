#include "live_driver.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jack/jack.h>
#include <sndfile.h>

struct adac_live_driver {
	struct adac_live_driver_config cfg;
	struct adac_live *live;
	int fs_hz, n_in, n_out;
	int64_t frames;			/* -1: until stopped */
	_Atomic int64_t done;
	atomic_int stop, finished, io_failed;
	/* null and file */
	pthread_t thread;
	int started;
	SNDFILE *in, *out;
	int in_channels;
	char *tmp_path;
	float *ibuf, *obuf, **ich, **och;
	/* jack */
	jack_client_t *client;
	jack_port_t **iport, **oport;
	const float **jin;
	float **jout;
};

void
adac_live_driver_config_init(struct adac_live_driver_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->kind = ADAC_LIVE_DRIVER_NULL;
	cfg->frames = -1;
	cfg->speed = 1;
	cfg->block = 64;
	cfg->fs_hz = 48000;
	cfg->name = "adac-live";
}

int
adac_live_driver_open(const struct adac_live_driver_config *cfg,
		      struct adac_live_driver **out, struct adac_error *err)
{
	struct adac_live_driver *d;
	jack_status_t status;
	SF_INFO info;
	int rc = ADAC_OK;

	if (cfg->block <= 0 || cfg->block > 65536)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "block size %d is out of range", cfg->block);
	if (!(cfg->speed >= 0 && cfg->speed <= 1000))
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "speed must be 0..1000");
	if (cfg->fs_hz <= 0 || cfg->fs_hz > 1536000)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "sample rate %d Hz is out of range", cfg->fs_hz);
	d = calloc(1, sizeof *d);
	if (d == NULL)
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	d->cfg = *cfg;
	d->fs_hz = cfg->fs_hz;
	d->frames = cfg->frames;
	switch (cfg->kind) {
	case ADAC_LIVE_DRIVER_NULL:
		d->in_channels = 0;
		break;
	case ADAC_LIVE_DRIVER_FILE:
		if (cfg->out_path == NULL) {
			rc = adac_error_set(err, ADAC_E_INPUT, "",
					    "the file driver needs --out");
			goto fail;
		}
		if (cfg->in_path == NULL)
			break;
		memset(&info, 0, sizeof info);
		d->in = sf_open(cfg->in_path, SFM_READ, &info);
		if (d->in == NULL) {
			rc = adac_error_set(err, ADAC_E_IO, "", "%s: %s",
					    cfg->in_path, sf_strerror(NULL));
			goto fail;
		}
		if (info.channels > ADAC_LIVE_MAX_CHANNELS) {
			rc = adac_error_set(err, ADAC_E_INPUT, "",
					    "%s: %d channels are too many",
					    cfg->in_path, info.channels);
			goto fail;
		}
		d->fs_hz = info.samplerate;
		d->in_channels = info.channels;
		if (d->frames < 0)
			d->frames = info.frames;
		break;
	case ADAC_LIVE_DRIVER_JACK:
		d->client = jack_client_open(cfg->name, JackNoStartServer, &status);
		if (d->client == NULL) {
			rc = adac_error_set(err, ADAC_E_DEPENDENCY, "",
					    "cannot connect to a JACK server (status 0x%x); is jackd running?",
					    (unsigned)status);
			goto fail;
		}
		d->fs_hz = (int)jack_get_sample_rate(d->client);
		d->in_channels = -1;
		break;
	default:
		rc = adac_error_set(err, ADAC_E_INPUT, "", "unknown driver");
		goto fail;
	}
	*out = d;
	return ADAC_OK;
fail:
	adac_live_driver_free(d);
	return rc;
}

void
adac_live_driver_free(struct adac_live_driver *d)
{
	struct adac_error err;
	int c;

	if (d == NULL)
		return;
	adac_live_driver_stop(d, 0, &err);
	if (d->in != NULL)
		sf_close(d->in);
	if (d->client != NULL)
		jack_client_close(d->client);
	free(d->tmp_path);
	free(d->ibuf);
	free(d->obuf);
	/* per-channel buffers: as many as start_thread() allocated */
	for (c = 0; d->ich != NULL && c < d->in_channels; c++)
		free(d->ich[c]);
	for (c = 0; d->och != NULL && c < (d->n_out > 0 ? d->n_out : 1); c++)
		free(d->och[c]);
	free(d->ich);
	free(d->och);
	free(d->iport);
	free(d->oport);
	free(d->jin);
	free(d->jout);
	free(d);
}

int
adac_live_driver_fs(const struct adac_live_driver *d)
{
	return d->fs_hz;
}

void
adac_live_driver_set_frames(struct adac_live_driver *d, int64_t frames)
{
	d->frames = frames < 0 ? -1 : frames;
}

int
adac_live_driver_inputs(const struct adac_live_driver *d)
{
	return d->in_channels;
}

int
adac_live_driver_done(struct adac_live_driver *d)
{
	return atomic_load(&d->finished);
}

/* ---- null and file: a thread of our own ------------------------------ */

static void
add_ns(struct timespec *t, const struct timespec *t0, double s)
{
	long long ns = (long long)(s * 1e9) + t0->tv_nsec;

	t->tv_sec = t0->tv_sec + ns / 1000000000;
	t->tv_nsec = ns % 1000000000;
}

static void *
run_thread(void *arg)
{
	struct adac_live_driver *d = arg;
	struct timespec t0, t;
	int64_t done = 0, n;
	int block = d->cfg.block, c, k, nin = d->in_channels;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!atomic_load(&d->stop) && (d->frames < 0 || done < d->frames)) {
		n = block;
		if (d->frames >= 0 && d->frames - done < n)
			n = d->frames - done;
		if (nin > 0) {
			sf_count_t got = d->in != NULL
					 ? sf_readf_float(d->in, d->ibuf, n) : 0;

			if (got < 0)
				got = 0;
			memset(d->ibuf + got * nin, 0,
			       (n - got) * nin * sizeof(float));
			for (c = 0; c < nin; c++)
				for (k = 0; k < n; k++)
					d->ich[c][k] = d->ibuf[k * nin + c];
		}
		adac_live_process(d->live, (int)n, (const float *const *)d->ich,
				  d->och);
		if (d->out != NULL) {
			for (c = 0; c < d->n_out; c++)
				for (k = 0; k < n; k++)
					d->obuf[k * d->n_out + c] = d->och[c][k];
			if (sf_writef_float(d->out, d->obuf, n) != n) {
				atomic_store(&d->io_failed, 1);
				break;
			}
		}
		done += n;
		atomic_store(&d->done, done);
		if (d->cfg.speed > 0) {
			add_ns(&t, &t0, (double)done / d->fs_hz / d->cfg.speed);
			while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t,
					       NULL) == EINTR)
				;
		}
	}
	atomic_store(&d->finished, 1);
	return NULL;
}

static int
open_output(struct adac_live_driver *d, struct adac_error *err)
{
	SF_INFO info;
	size_t n = strlen(d->cfg.out_path) + 16;
	int fd;

	d->tmp_path = malloc(n);
	if (d->tmp_path == NULL)
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	snprintf(d->tmp_path, n, "%s.XXXXXX", d->cfg.out_path);
	fd = mkstemp(d->tmp_path);
	if (fd < 0) {
		free(d->tmp_path);
		d->tmp_path = NULL;
		return adac_error_set(err, ADAC_E_IO, "", "%s: %s",
				      d->cfg.out_path, strerror(errno));
	}
	/* mkstemp makes it 0600: give it the mode a plain creat() would */
	{
		mode_t mask = umask(0);

		umask(mask);
		fchmod(fd, 0666 & ~mask);
	}
	memset(&info, 0, sizeof info);
	info.samplerate = d->fs_hz;
	info.channels = d->n_out > 0 ? d->n_out : 1;
	n = strlen(d->cfg.out_path);
	/* .raw: headerless native float32, for tools like od(1) */
	info.format = n > 4 && strcmp(d->cfg.out_path + n - 4, ".raw") == 0
		      ? SF_FORMAT_RAW | SF_FORMAT_FLOAT | SF_ENDIAN_CPU
		      : SF_FORMAT_WAV | SF_FORMAT_FLOAT;
	d->out = sf_open_fd(fd, SFM_WRITE, &info, 1);
	if (d->out == NULL) {
		close(fd);
		unlink(d->tmp_path);
		return adac_error_set(err, ADAC_E_IO, "", "%s: %s",
				      d->cfg.out_path, sf_strerror(NULL));
	}
	return ADAC_OK;
}

static int
start_thread(struct adac_live_driver *d, struct adac_error *err)
{
	int c, rc, block = d->cfg.block;
	int nin = d->in_channels > 0 ? d->in_channels : 0;
	int nout = d->n_out > 0 ? d->n_out : 1;

	d->ibuf = calloc((size_t)block * (nin + 1), sizeof(float));
	d->obuf = calloc((size_t)block * nout, sizeof(float));
	d->ich = calloc(nin + 1, sizeof *d->ich);
	d->och = calloc(nout, sizeof *d->och);
	if (d->ibuf == NULL || d->obuf == NULL || d->ich == NULL || d->och == NULL)
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	for (c = 0; c < nin; c++)
		if ((d->ich[c] = calloc(block, sizeof(float))) == NULL)
			return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	for (c = 0; c < nout; c++)
		if ((d->och[c] = calloc(block, sizeof(float))) == NULL)
			return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	if (d->cfg.kind == ADAC_LIVE_DRIVER_FILE &&
	    (rc = open_output(d, err)) != ADAC_OK)
		return rc;
	if ((rc = pthread_create(&d->thread, NULL, run_thread, d)) != 0)
		return adac_error_set(err, ADAC_E_DEPENDENCY, "",
				      "cannot start the audio thread: %s",
				      strerror(rc));
	d->started = 1;
	return ADAC_OK;
}

/* ---- jack ----------------------------------------------------------- */

static int
jack_process(jack_nframes_t nframes, void *arg)
{
	struct adac_live_driver *d = arg;
	int64_t done = atomic_load_explicit(&d->done, memory_order_relaxed);
	int c;

	for (c = 0; c < d->n_in; c++)
		d->jin[c] = jack_port_get_buffer(d->iport[c], nframes);
	for (c = 0; c < d->n_out; c++)
		d->jout[c] = jack_port_get_buffer(d->oport[c], nframes);
	if (d->frames >= 0 && done >= d->frames) {
		for (c = 0; c < d->n_out; c++)
			memset(d->jout[c], 0, nframes * sizeof(float));
		atomic_store(&d->finished, 1);
		return 0;
	}
	adac_live_process(d->live, (int)nframes, d->jin, d->jout);
	atomic_store_explicit(&d->done, done + nframes, memory_order_relaxed);
	return 0;
}

static void
jack_gone(void *arg)
{
	struct adac_live_driver *d = arg;

	atomic_store(&d->io_failed, 1);
	atomic_store(&d->finished, 1);
}

static void
connect_physical(struct adac_live_driver *d)
{
	const char **ports;
	int c;

	ports = jack_get_ports(d->client, NULL, JACK_DEFAULT_AUDIO_TYPE,
			       JackPortIsPhysical | JackPortIsInput);
	for (c = 0; ports != NULL && c < d->n_out && ports[c] != NULL; c++)
		jack_connect(d->client, jack_port_name(d->oport[c]), ports[c]);
	jack_free(ports);
	ports = jack_get_ports(d->client, NULL, JACK_DEFAULT_AUDIO_TYPE,
			       JackPortIsPhysical | JackPortIsOutput);
	for (c = 0; ports != NULL && c < d->n_in && ports[c] != NULL; c++)
		jack_connect(d->client, ports[c], jack_port_name(d->iport[c]));
	jack_free(ports);
}

static int
start_jack(struct adac_live_driver *d, struct adac_error *err)
{
	jack_latency_range_t range;
	char name[32];
	int c;

	d->iport = calloc(d->n_in + 1, sizeof *d->iport);
	d->oport = calloc(d->n_out + 1, sizeof *d->oport);
	d->jin = calloc(d->n_in + 1, sizeof *d->jin);
	d->jout = calloc(d->n_out + 1, sizeof *d->jout);
	if (d->iport == NULL || d->oport == NULL || d->jin == NULL ||
	    d->jout == NULL)
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	for (c = 0; c < d->n_in; c++) {
		snprintf(name, sizeof name, "in_%d", c + 1);
		d->iport[c] = jack_port_register(d->client, name,
						 JACK_DEFAULT_AUDIO_TYPE,
						 JackPortIsInput, 0);
		if (d->iport[c] == NULL)
			return adac_error_set(err, ADAC_E_DEPENDENCY, "",
					      "cannot register JACK port %s", name);
	}
	for (c = 0; c < d->n_out; c++) {
		snprintf(name, sizeof name, "out_%d", c + 1);
		d->oport[c] = jack_port_register(d->client, name,
						 JACK_DEFAULT_AUDIO_TYPE,
						 JackPortIsOutput, 0);
		if (d->oport[c] == NULL)
			return adac_error_set(err, ADAC_E_DEPENDENCY, "",
					      "cannot register JACK port %s", name);
	}
	jack_set_process_callback(d->client, jack_process, d);
	jack_on_shutdown(d->client, jack_gone, d);
	if (jack_activate(d->client) != 0)
		return adac_error_set(err, ADAC_E_DEPENDENCY, "",
				      "cannot activate the JACK client");
	d->started = 1;
	if (d->cfg.connect)
		connect_physical(d);
	if (d->n_out > 0) {
		jack_port_get_latency_range(d->oport[0], JackPlaybackLatency, &range);
		adac_live_set_output_latency(d->live, (int)range.max);
	}
	return ADAC_OK;
}

int
adac_live_driver_start(struct adac_live_driver *d, struct adac_live *live,
		       int inputs, int outputs, struct adac_error *err)
{
	if (d->started)
		return adac_error_set(err, ADAC_E_INPUT, "", "driver already started");
	if (inputs < 0 || inputs > ADAC_LIVE_MAX_CHANNELS || outputs < 0 ||
	    outputs > ADAC_LIVE_MAX_CHANNELS)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "channel counts must be 0..%d",
				      ADAC_LIVE_MAX_CHANNELS);
	d->live = live;
	d->n_in = inputs;
	d->n_out = outputs;
	if (d->cfg.kind == ADAC_LIVE_DRIVER_JACK)
		return start_jack(d, err);
	if (d->in_channels != inputs && !(d->in_channels <= 0 && inputs == 0))
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "the engine's %d inputs differ from the driver's %d",
				      inputs, d->in_channels);
	return start_thread(d, err);
}

int
adac_live_driver_stop(struct adac_live_driver *d, int keep,
		      struct adac_error *err)
{
	int rc = ADAC_OK;

	if (!d->started)
		goto files;
	d->started = 0;
	atomic_store(&d->stop, 1);
	if (d->cfg.kind == ADAC_LIVE_DRIVER_JACK) {
		jack_deactivate(d->client);
		return ADAC_OK;
	}
	pthread_join(d->thread, NULL);
files:
	if (d->out != NULL) {
		if (atomic_load(&d->io_failed))
			rc = adac_error_set(err, ADAC_E_IO, "", "%s: write failed",
					    d->cfg.out_path);
		if (sf_close(d->out) != 0 && rc == ADAC_OK)
			rc = adac_error_set(err, ADAC_E_IO, "", "%s: write failed",
					    d->cfg.out_path);
		d->out = NULL;
		if (rc == ADAC_OK && keep &&
		    rename(d->tmp_path, d->cfg.out_path) != 0)
			rc = adac_error_set(err, ADAC_E_IO, "", "%s: %s",
					    d->cfg.out_path, strerror(errno));
		if (rc != ADAC_OK || !keep)
			unlink(d->tmp_path);
	}
	return rc;
}
