/*
 * adac-live - hear a FAUST program while it changes: hot reload, remote
 * compilation and control.
 */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "live_app.h"
#include "sim.h"

static const char usage[] =
	"usage: adac-live run [--driver null|file|jack] [--in IN.wav] [--out OUT.wav]\n"
	"                     [--seconds S | --frames N] [--speed X] [--block N]\n"
	"                     [--rate HZ] [--xfade-ms MS] [--smooth-ms MS]\n"
	"                     [--backend auto|llvm|interp] [--cache N] [--cache-mb MB]\n"
	"                     [--connect]\n"
	"                     [--compile-cpu S] [--compile-wall S] [--compile-mem MB]\n"
	"                     [--program-mb MB] [--max-level-db DB]\n"
	"                     [--set ADDRESS=VALUE]... [--log FILE] FILE.dsp\n"
	"       adac-live serve [--listen HOST:PORT] [--osc-port PORT|off] [--token T]\n"
	"                       [--qr] [--max-body BYTES] [--connections N]\n"
	"                       [--name NAME] [--no-announce]\n"
	"                       [run options] [FILE.dsp]\n"
	"       adac-live push [--token T] URL|--to NAME FILE|-\n"
	"       adac-live list [--timeout S]\n";

static atomic_int stop_flag;
static FILE *log_fp;

static void
on_signal(int sig)
{
	(void)sig;
	atomic_store(&stop_flag, 1);
}

static void
say(void *ctx, enum adac_live_say kind, const char *line)
{
	(void)ctx;
	if (kind == ADAC_LIVE_SAY_WARN) {
		adac_cli_warn("%s", line);
		return;
	}
	fprintf(kind == ADAC_LIVE_SAY_LOG ? log_fp : stdout, "%s\n", line);
	fflush(kind == ADAC_LIVE_SAY_LOG ? log_fp : stdout);
}

enum { O_DRIVER = 256, O_IN, O_OUT, O_SECONDS, O_FRAMES, O_SPEED, O_BLOCK,
       O_RATE, O_XFADE, O_SMOOTH, O_BACKEND, O_SET, O_LOG, O_LISTEN, O_OSC,
       O_TOKEN, O_QR, O_MAXBODY, O_CACHE, O_CONNECT, O_CCPU, O_CWALL, O_CMEM,
       O_PROGMB, O_CONNS, O_MAXLEVEL, O_CACHEMB, O_NAME, O_NOANNOUNCE };

/* Parse the options of run and serve into o; 0 or an exit status + 1. */
static int
parse(int argc, char **argv, struct adac_live_opts *o, struct adac_live_set *sets,
      const char **log_path)
{
	static const struct option longopts[] = {
		{"driver", required_argument, NULL, O_DRIVER},
		{"in", required_argument, NULL, O_IN},
		{"out", required_argument, NULL, O_OUT},
		{"seconds", required_argument, NULL, O_SECONDS},
		{"frames", required_argument, NULL, O_FRAMES},
		{"speed", required_argument, NULL, O_SPEED},
		{"block", required_argument, NULL, O_BLOCK},
		{"rate", required_argument, NULL, O_RATE},
		{"xfade-ms", required_argument, NULL, O_XFADE},
		{"smooth-ms", required_argument, NULL, O_SMOOTH},
		{"backend", required_argument, NULL, O_BACKEND},
		{"set", required_argument, NULL, O_SET},
		{"log", required_argument, NULL, O_LOG},
		{"listen", required_argument, NULL, O_LISTEN},
		{"osc-port", required_argument, NULL, O_OSC},
		{"token", required_argument, NULL, O_TOKEN},
		{"qr", no_argument, NULL, O_QR},
		{"max-body", required_argument, NULL, O_MAXBODY},
		{"cache", required_argument, NULL, O_CACHE},
		{"connect", no_argument, NULL, O_CONNECT},
		{"compile-cpu", required_argument, NULL, O_CCPU},
		{"compile-wall", required_argument, NULL, O_CWALL},
		{"compile-mem", required_argument, NULL, O_CMEM},
		{"program-mb", required_argument, NULL, O_PROGMB},
		{"connections", required_argument, NULL, O_CONNS},
		{"max-level-db", required_argument, NULL, O_MAXLEVEL},
		{"cache-mb", required_argument, NULL, O_CACHEMB},
		{"name", required_argument, NULL, O_NAME},
		{"no-announce", no_argument, NULL, O_NOANNOUNCE},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct adac_live_driver_config *d = &o->driver;
	struct adac_setting setting;
	struct adac_error err;
	double v;
	int c, is_auto;

	optind = 1;
	opterr = 0;	/* one line of our own instead of getopt's */
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		v = 0;
		switch (c) {
		case O_DRIVER:
			if (strcmp(optarg, "null") == 0)
				d->kind = ADAC_LIVE_DRIVER_NULL;
			else if (strcmp(optarg, "file") == 0)
				d->kind = ADAC_LIVE_DRIVER_FILE;
			else if (strcmp(optarg, "jack") == 0)
				d->kind = ADAC_LIVE_DRIVER_JACK;
			else
				return 1 + adac_cli_usage_error(
					"unknown driver '%s'", optarg);
			break;
		case O_IN: d->in_path = optarg; break;
		case O_OUT: d->out_path = optarg; break;
		case O_LOG: *log_path = optarg; break;
		case O_LISTEN: o->listen = optarg; break;
		case O_TOKEN: o->token = optarg; break;
		case O_QR: o->qr = 1; break;
		case O_NAME: o->name = optarg; break;
		case O_NOANNOUNCE: o->announce = 0; break;
		case O_CONNECT: d->connect = 1; break;
		case O_OSC:
			o->osc_port = strcmp(optarg, "off") == 0 ? NULL : optarg;
			break;
		case O_BACKEND:
			if (adac_cli_backend(optarg, 1,
					     &o->engine.faust.backend, &is_auto))
				return 3;
			/* auto: the interpreter, then LLVM once left alone 1 s */
			o->engine.upgrade_ms = is_auto ? 1000 : 0;
			break;
		case O_SET:
			if (o->n_sets == 64)
				return 1 + adac_cli_usage_error(
					"more than 64 --set options");
			if (adac_setting_parse(optarg, &setting, &err))
				return 1 + adac_cli_fail(NULL, &err);
			sets[o->n_sets].address = setting.name;
			sets[o->n_sets++].value = setting.value;
			break;
		case O_SECONDS:
			if (adac_cli_number("--seconds", optarg, 0, 1e7, &o->seconds))
				return 3;
			break;
		case O_FRAMES:
			if (adac_cli_number("--frames", optarg, 0, 1e15, &v))
				return 3;
			d->frames = (int64_t)v;
			break;
		case O_SPEED:
			if (adac_cli_number("--speed", optarg, 0, 1000, &d->speed))
				return 3;
			break;
		case O_BLOCK:
			if (adac_cli_number("--block", optarg, 1, 65536, &v))
				return 3;
			d->block = (int)v;
			break;
		case O_RATE:
			if (adac_cli_number("--rate", optarg, 1, 1536000, &v))
				return 3;
			d->fs_hz = (int)v;
			break;
		case O_XFADE:
			if (adac_cli_number("--xfade-ms", optarg, 0, 10000, &o->engine.xfade_ms))
				return 3;
			break;
		case O_SMOOTH:
			if (adac_cli_number("--smooth-ms", optarg, 0, 10000, &o->engine.smooth_ms))
				return 3;
			break;
		case O_MAXBODY:
			if (adac_cli_number("--max-body", optarg, 1, 1L << 30, &v))
				return 3;
			o->max_body = (long)v;
			break;
		case O_CACHE:
			if (adac_cli_number("--cache", optarg, 0, 1024, &v))
				return 3;
			o->engine.cache = (int)v;
			break;
		case O_CCPU:
			if (adac_cli_number("--compile-cpu", optarg, 0.01, 1e6,
				   &o->engine.faust.limits.cpu_s))
				return 3;
			break;
		case O_CWALL:
			if (adac_cli_number("--compile-wall", optarg, 0.01, 1e6,
				   &o->engine.faust.limits.wall_s))
				return 3;
			break;
		case O_CMEM:
			if (adac_cli_number("--compile-mem", optarg, 1, 1 << 30, &v))
				return 3;
			o->engine.faust.limits.mem_mb = (long)v;
			break;
		case O_CACHEMB:
			if (adac_cli_number("--cache-mb", optarg, 0, 1 << 20,
				   &o->engine.cache_mb))
				return 3;
			break;
		case O_MAXLEVEL:
			if (adac_cli_number("--max-level-db", optarg, -60, 60,
				   &o->engine.max_level_db))
				return 3;
			break;
		case O_CONNS:
			if (adac_cli_number("--connections", optarg, 16, 1 << 20, &v))
				return 3;
			o->connections = (int)v;
			break;
		case O_PROGMB:
			if (adac_cli_number("--program-mb", optarg, 1, 1 << 30, &v))
				return 3;
			o->engine.faust.limits.program_mb = (long)v;
			break;
		case 'h':
			fputs(usage, stdout);
			return 1;
		default:
			return 1 + adac_cli_option_error(c, argv);
		}
	}
	return 0;
}

static int
cmd_push(int argc, char **argv)
{
	struct adac_error err;
	const char *token = NULL, *to = NULL, *url;
	char *src = NULL, *resp = NULL, *found = NULL;
	size_t len;
	int i = 1, status = 0, needs_token = 0, rc;

	for (; i < argc && strncmp(argv[i], "--", 2) == 0 && argv[i][2]; i++) {
		if (strcmp(argv[i], "--help") == 0) {
			fputs(usage, stdout);
			return 0;
		}
		if (strcmp(argv[i], "--token") && strcmp(argv[i], "--to"))
			return adac_cli_usage_error(
				"unknown option '%s'; see 'adac-live --help'", argv[i]);
		if (i + 1 == argc)
			return adac_cli_usage_error(
				"option '%s' needs a value; see 'adac-live --help'", argv[i]);
		*(strcmp(argv[i], "--to") == 0 ? &to : &token) = argv[i + 1];
		i++;
	}
	if (argc - i != (to != NULL ? 1 : 2))
		return adac_cli_usage_error(
			"push wants URL (or --to NAME) and FILE (or -)");
	if (to != NULL &&
	    (rc = adac_live_app_resolve(to, &found, &needs_token, &err)) != ADAC_OK)
		return adac_cli_fail(NULL, &err);
	if (needs_token && token == NULL) {
		free(found);
		return adac_cli_usage_error(
			"service '%s' needs a token; give --token", to);
	}
	url = to != NULL ? found : argv[i++];
	if ((rc = adac_cli_read(argv[i], &src, &len, &err)) == ADAC_OK)
		rc = adac_live_push(url, token, src, len, &resp, &status, &err);
	free(src);
	free(found);
	if (rc != ADAC_OK)
		return adac_cli_fail(adac_cli_input_name(argv[i]), &err);
	fputs(resp, stdout);
	free(resp);
	if (status / 100 == 2)
		return 0;
	/* the program is at fault: it does not compile or is over a limit */
	return status == 400 || status == 413 || status == 422 ? 2 : 3;
}

static int
cmd_list(int argc, char **argv)
{
	struct adac_live_opts o;
	struct adac_error err;
	double s = 5;

	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "--timeout") == 0) {
		if (adac_cli_number("--timeout", argv[2], 0.1, 600, &s))
			return 2;
	} else if (argc != 1) {
		return adac_cli_usage_error("list takes only --timeout S");
	}
	adac_live_opts_init(&o);
	o.say = say;
	log_fp = stdout;
	if (adac_live_app_list(&o, (int)(s * 1000), &err) != ADAC_OK)
		return adac_cli_fail(NULL, &err);
	return 0;
}

int
main(int argc, char **argv)
{
	struct adac_live_set sets[64];
	struct adac_live_opts o;
	struct adac_error err;
	const char *log_path = NULL, *cmd;
	int r, rc;

	adac_cli_init("adac-live");
	if (argc > 1 && strcmp(argv[1], "--version") == 0)
		return adac_cli_version();
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc < 2)
		return adac_cli_usage_error(
			"expected a command, run, serve, push or list; see 'adac-live --help'");
	if (strcmp(argv[1], "run") && strcmp(argv[1], "serve") &&
	    strcmp(argv[1], "push") && strcmp(argv[1], "list"))
		return adac_cli_usage_error(
			"unknown command '%s'; see 'adac-live --help'", argv[1]);
	cmd = argv[1];
	if (strcmp(cmd, "push") == 0)
		return cmd_push(argc - 1, argv + 1);
	if (strcmp(cmd, "list") == 0)
		return cmd_list(argc - 1, argv + 1);
	adac_live_opts_init(&o);
	o.driver.kind = ADAC_LIVE_DRIVER_JACK;
	o.driver.speed = -1;
	/* interpreter first (fast to compile), LLVM once left alone 1 s */
	o.engine.faust.backend = ADAC_FAUST_INTERP;
	o.engine.upgrade_ms = 1000;
	if ((r = parse(argc - 1, argv + 1, &o, sets, &log_path)) != 0)
		return r - 1;
	if (o.driver.out_path != NULL && o.driver.kind == ADAC_LIVE_DRIVER_JACK)
		o.driver.kind = ADAC_LIVE_DRIVER_FILE;
	/* a file renders as fast as it can unless --speed says otherwise */
	if (o.driver.speed < 0)
		o.driver.speed = o.driver.kind == ADAC_LIVE_DRIVER_FILE ? 0 : 1;
	o.sets = sets;
	o.say = say;
	o.stop = &stop_flag;
	r = argc - 1 - optind;	/* operands */
	if (r > 1)
		return adac_cli_usage_error("too many operands");
	o.path = r == 1 ? argv[1 + optind] : NULL;
	if (o.path == NULL && strcmp(cmd, "run") == 0)
		return adac_cli_usage_error("run wants FILE.dsp");
	log_fp = stdout;
	if (log_path != NULL && strcmp(log_path, "-") != 0 &&
	    (log_fp = fopen(log_path, "a")) == NULL) {
		adac_error_set(&err, ADAC_E_IO, "", "cannot open log: %m");
		return adac_cli_fail(log_path, &err);
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	rc = strcmp(cmd, "run") == 0 ? adac_live_app_run(&o, &err)
				     : adac_live_app_serve(&o, &err);
	if (log_fp != stdout)
		fclose(log_fp);
	if (rc != ADAC_OK)
		return adac_cli_fail(o.path, &err);
	return 0;
}
