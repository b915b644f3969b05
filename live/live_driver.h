/*
 * live_driver.h - the audio drivers that call adac_live_process(): null
 * (computes and discards, for tests and measurements), file (reads a
 * sound file and writes one, with libsndfile) and jack (a JACK client).
 *
 * adac_live_driver_open() pairs with adac_live_driver_free().  The
 * calling order is open (the sample rate and input channels become
 * known), start (audio runs on the driver's thread), stop, free.
 */
#ifndef ADAC_LIVE_DRIVER_H
#define ADAC_LIVE_DRIVER_H

#include <stdint.h>

#include "error.h"
#include "live.h"

enum adac_live_driver_kind {
	ADAC_LIVE_DRIVER_NULL,
	ADAC_LIVE_DRIVER_FILE,
	ADAC_LIVE_DRIVER_JACK
};

struct adac_live_driver_config {
	enum adac_live_driver_kind kind;
	const char *in_path;	/* file: the input (NULL: silence) */
	/* file: the output, written atomically: float32 WAV, or raw native
	 * float32 interleaved when its name ends in .raw */
	const char *out_path;
	/*
	 * Frames to produce; -1: the input's length (file with --in), or
	 * until stopped (null, jack, file without an input).
	 */
	int64_t frames;
	double speed;		/* null, file: 0 as fast as possible, 1 real time */
	int block;		/* null, file: frames per cycle */
	int fs_hz;		/* null, file without input: the sample rate */
	const char *name;	/* jack: the client's name */
	int connect;		/* jack: connect to the physical ports */
};

/* Defaults: null, frames -1, speed 1, block 64, 48 kHz, "adac-live". */
void adac_live_driver_config_init(struct adac_live_driver_config *cfg);

struct adac_live_driver;

/*
 * Open the input file or connect to the JACK server.  ADAC_E_IO for an
 * unreadable input, ADAC_E_DEPENDENCY when no JACK server runs,
 * ADAC_E_INPUT for a bad configuration, ADAC_E_NOMEM.
 */
int adac_live_driver_open(const struct adac_live_driver_config *cfg,
			  struct adac_live_driver **out,
			  struct adac_error *err);
void adac_live_driver_free(struct adac_live_driver *d);

int adac_live_driver_fs(const struct adac_live_driver *d);
/* Change how many frames to produce (-1: until stopped), before start. */
void adac_live_driver_set_frames(struct adac_live_driver *d, int64_t frames);

/* The input channels the driver offers (-1: jack, as the program wants). */
int adac_live_driver_inputs(const struct adac_live_driver *d);

/*
 * Start calling adac_live_process(live) with inputs and outputs
 * channels (jack registers ports in_1.. and out_1..).  ADAC_E_IO when
 * the output cannot be created, ADAC_E_DEPENDENCY, ADAC_E_NOMEM.
 */
int adac_live_driver_start(struct adac_live_driver *d, struct adac_live *live,
			   int inputs, int outputs, struct adac_error *err);

/* 1 once the driver has produced every frame it was asked for. */
int adac_live_driver_done(struct adac_live_driver *d);

/*
 * Stop calling the engine.  The file driver then closes its output and
 * renames it into place (keep=0 removes it instead).  ADAC_E_IO when
 * writing failed.
 */
int adac_live_driver_stop(struct adac_live_driver *d, int keep,
			  struct adac_error *err);

#endif
