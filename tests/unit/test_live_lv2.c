/*
 * The adac-live LV2 plugin in a real LV2 host library (liblilv), as a DAW
 * runs it: the bundle make built is loaded, instantiated with urid:map,
 * told a program's path through its control port (a patch:Set), run in
 * blocks; the program file is rewritten and the output must switch to the
 * new program within a bounded number of blocks, with no NaN and no
 * step larger than the crossfade allows.  Waiting for a compile is
 * bounded (a failure, not a timing claim): 60 s of blocks.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lv2_host.h"
#include "unit.h"

#define WAIT_BLOCKS (60 * FS / BLOCK)

static char dir[64];

/* Run blocks until the output is want (within float rounding) or give up. */
static int
run_until(struct host *h, float want)
{
	struct timespec nap = { 0, 2000000 };
	int b;

	for (b = 0; b < WAIT_BLOCKS; b++) {
		host_run(h);
		if (fabsf(h->out[0][BLOCK - 1] - want) <= 1e-6f &&
		    fabsf(h->out[1][BLOCK - 1] - want) <= 1e-6f)
			return b + 1;
		nanosleep(&nap, NULL);	/* let the control thread work */
	}
	return -1;
}

/* Run blocks until the status port reads want (the reload it reports). */
static int
run_until_status(struct host *h, int port, float want)
{
	struct timespec nap = { 0, 2000000 };
	int b;

	for (b = 0; b < WAIT_BLOCKS; b++) {
		host_run(h);
		if (h->status[port] == want)
			return b + 1;
		nanosleep(&nap, NULL);
	}
	return -1;
}

static const char header[] =
	"// t: written by adac-emit 0.1.0 from an adac IR (ir/1)\n"
	"// source: test\n"
	"// certificate: certified-stable for float and double builds, sha256 00\n";

/* Write text to dir/name atomically (a new inode, as exporters do). */
static void
write_program(const char *name, const char *head, const char *body)
{
	char path[128], tmp[140];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	f = fopen(tmp, "w");
	if (f == NULL)
		return;
	fputs(head, f);
	fputs(body, f);
	fclose(f);
	rename(tmp, path);
}

static void
program_path(char *path, size_t cap, const char *name)
{
	snprintf(path, cap, "%s/%s", dir, name);
}

/*
 * Write the program name (head + body), open a host on it and run until
 * it plays want: 0, or -1 (reported) when the host or the program failed.
 */
static int
start(struct host *h, const char *name, const char *head, const char *body,
      float want)
{
	char path[128];

	write_program(name, head, body);
	check_int(host_open(h), 0);
	if (h->inst == NULL)
		return -1;
	program_path(path, sizeof path, name);
	send_set(h, NS "program", 1, path, 0);
	if (run_until(h, want) <= 0) {
		check(!"the program plays");
		host_close(h);
		return -1;
	}
	return 0;
}

/* ---- the tests --------------------------------------------------------- */

static void
test_live_lv2__the_output_follows_the_file_with_a_smooth_swap(void)
{
	struct host h;
	int b;

	if (start(&h, "a.dsp", header, "process = *(0.5), *(0.5);\n", 0.5f) != 0)
		return;
	/* the status follows once the control thread has seen the swap */
	check(run_until_status(&h, 0, 1) > 0);	/* program number 1 runs */
	check(h.status[1] == 2);	/* its header: certified-stable */
	check(h.status[2] == 1);	/* swapped */
	h.max_step = 0;
	write_program("a.dsp", header, "process = *(0.25), *(0.25);\n");
	b = run_until(&h, 0.25f);
	check(b > 0);
	check(run_until_status(&h, 0, 2) > 0);
	check(h.status[2] == 1);
	check(h.status[3] >= 0);	/* its write-to-audible time, ms */
	check_int(h.nonfinite, 0);
	/*
	 * The equal-power crossfade from 0.5 to 0.25 over 10 ms (480
	 * samples): x = 0.5 cos t + 0.25 sin t, t from 0 to pi/2, moves by
	 * at most (0.5 + 0.25) (pi/2) / 480 = 0.00245 per sample; a cut
	 * would be 0.25.  Twice the bound leaves room for the rounding of t.
	 */
	check_le(h.max_step, 2 * 0.75 * (M_PI / 2) / 480);
	host_close(&h);
}

static void
test_live_lv2__a_value_only_change_does_not_compile(void)
{
	static const char *a =
		"process = par(i, 2, *(nentry(\"g[hidden:1]\", 0.5, -1e9, 1e9, 0)));\n";
	static const char *b =
		"process = par(i, 2, *(nentry(\"g[hidden:1]\", 0.125, -1e9, 1e9, 0)));\n";
	struct host h;
	float id;

	if (start(&h, "v.dsp", header, a, 0.5f) != 0)
		return;
	check(run_until_status(&h, 0, 1) > 0);
	id = h.status[0];
	write_program("v.dsp", header, b);
	check(run_until(&h, 0.125f) > 0);
	check(run_until_status(&h, 2, 2) > 0);	/* values */
	check(h.status[0] == id);	/* the same program: no compile */
	check_int(h.nonfinite, 0);
	host_close(&h);
}

static void
test_live_lv2__an_uncertified_program_is_refused_until_allowed(void)
{
	struct host h;

	if (start(&h, "c.dsp", header, "process = *(0.5), *(0.5);\n", 0.5f) != 0)
		return;
	/* no header: the running program plays on */
	write_program("c.dsp", "", "process = *(0.75), *(0.75);\n");
	check(run_until_status(&h, 2, 5) > 0);	/* refused */
	check(h.status[1] == 0);		/* no adac header */
	check(h.out[0][BLOCK - 1] == 0.5f);
	/* a header whose certificate failed is refused too */
	write_program("c.dsp",
		      "// t: written by adac-emit 0.1.0 from an adac IR (ir/1)\n"
		      "// source: test\n"
		      "// certificate: NOT VALID, emitted with --force: certificate verdict is 'unstable'\n",
		      "process = *(0.75), *(0.75);\n");
	check(run_until_status(&h, 1, -1) > 0);
	check(h.status[2] == 5);
	check(h.out[0][BLOCK - 1] == 0.5f);
	/* the user allows it in the plugin's state: it plays */
	send_set(&h, NS "allowUncertified", 0, NULL, 1);
	check(run_until(&h, 0.75f) > 0);
	host_close(&h);
}

static void
test_live_lv2__a_broken_program_leaves_the_running_one_playing(void)
{
	struct host h;
	int b;

	if (start(&h, "b.dsp", header, "process = *(0.5), *(0.5);\n", 0.5f) != 0)
		return;
	write_program("b.dsp", header, "process = nosuchthing;\n");
	check(run_until_status(&h, 2, 4) > 0);		/* failed */
	check(h.out[0][BLOCK - 1] == 0.5f);
	/* one that goes 40 dB over full scale is muted before it is heard */
	write_program("b.dsp", header, "process = *(100), *(100);\n");
	check(run_until_status(&h, 0, 2) > 0);		/* it runs... */
	for (b = 0; b < 20; b++)
		host_run(&h);
	check_int(h.nonfinite, 0);
	check(h.out[0][BLOCK - 1] == 0.0f);		/* ...unheard */
	check_le(h.max_step, 0.5);			/* never above 0.5 */
	host_close(&h);
}

/* patch:Set messages on the notify port, property => string value */
static int
notified(struct host *h, const char *property, char *value, size_t cap)
{
	const LV2_Atom_Sequence *seq = (const LV2_Atom_Sequence *)h->notify;
	LV2_URID want = map_uri(NULL, property);

	if (seq->atom.type != map_uri(NULL, LV2_ATOM__Sequence))
		return 0;
	LV2_ATOM_SEQUENCE_FOREACH(seq, ev) {
		const LV2_Atom_Object *obj = (const LV2_Atom_Object *)&ev->body;
		const LV2_Atom *p = NULL, *v = NULL;

		if (ev->body.type != map_uri(NULL, LV2_ATOM__Object) ||
		    obj->body.otype != map_uri(NULL, LV2_PATCH__Set))
			continue;
		lv2_atom_object_get(obj, map_uri(NULL, LV2_PATCH__property), &p,
				    map_uri(NULL, LV2_PATCH__value), &v, 0);
		if (p == NULL || v == NULL ||
		    ((const LV2_Atom_URID *)p)->body != want)
			continue;
		snprintf(value, cap, "%s", (const char *)LV2_ATOM_BODY_CONST(v));
		return 1;
	}
	return 0;
}

static void
test_live_lv2__knob_one_moves_the_first_visible_slider(void)
{
	static const char *prog =
		"g = hslider(\"gain\", 1, 0, 2, 0.01);\n"
		"h = nentry(\"x[hidden:1]\", 1, -1e9, 1e9, 0);\n"
		"process = *(g * h), *(g * h);\n";
	struct host h;
	char path[128], label[128] = "";
	int b, told = 0;

	write_program("k.dsp", header, prog);
	check_int(host_open(&h), 0);
	if (h.inst == NULL)
		return;
	program_path(path, sizeof path, "k.dsp");
	send_set(&h, NS "program", 1, path, 0);
	/* the program's own value until a knob is turned */
	for (b = 0; b < WAIT_BLOCKS && !told; b++) {
		host_run(&h);
		told = notified(&h, NS "knob1", label, sizeof label);
		usleep(2000);
	}
	check(told);
	check_str(label, "gain [0, 2]");
	check(run_until(&h, 1.0f) > 0);
	/* full turn: the top of the slider's range, 2 (ramped to it) */
	h.knob[0] = 1.0f;
	check(run_until(&h, 2.0f) > 0);
	/* a knob with no slider behind it changes nothing */
	h.knob[1] = 0.0f;
	for (b = 0; b < 20; b++)
		host_run(&h);
	check(h.out[0][BLOCK - 1] == 2.0f);
	host_close(&h);
}

static void
test_live_lv2__the_session_state_brings_the_program_back(void)
{
	struct host a, b;
	LilvState *st;

	if (start(&a, "s.dsp", header, "process = *(0.375), *(0.375);\n", 0.375f) != 0)
		return;
	st = lilv_state_new_from_instance(plugin, a.inst, &map, NULL, NULL,
					  NULL, NULL, NULL, NULL, 0, features);
	check(st != NULL);
	host_close(&a);
	if (st == NULL)
		return;
	/* a new instance, as when the session is opened again */
	check_int(host_open(&b), 0);
	if (b.inst != NULL) {
		lilv_state_restore(st, b.inst, NULL, NULL, 0, features);
		/* restore compiled it: the first block plays it, no fade */
		check_int(run_until(&b, 0.375f), 1);
		host_close(&b);
	}
	lilv_state_free(st);
}

/* a patch:Set of property to an atom:Int */
static void
send_int(struct host *h, const char *property, int value)
{
	LV2_Atom_Forge_Frame seq, obj;

	control_begin(h, &seq);
	lv2_atom_forge_frame_time(&h->forge, 0);
	lv2_atom_forge_object(&h->forge, &obj, 0,
			      map_uri(NULL, LV2_PATCH__Set));
	lv2_atom_forge_key(&h->forge, map_uri(NULL, LV2_PATCH__property));
	lv2_atom_forge_urid(&h->forge, map_uri(NULL, property));
	lv2_atom_forge_key(&h->forge, map_uri(NULL, LV2_PATCH__value));
	lv2_atom_forge_int(&h->forge, value);
	lv2_atom_forge_pop(&h->forge, &obj);
	lv2_atom_forge_pop(&h->forge, &seq);
}

/* ---- pushes: adac:listenPort ------------------------------------------- */

/* A TCP port on 127.0.0.1 that nothing listens on now (the kernel's pick). */
static int
free_port(void)
{
	struct sockaddr_in a;
	socklen_t n = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &n) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* 1 when inode is a listening socket in /proc/net/FILE (tcp, tcp6) */
static int
inode_listens(const char *file, unsigned long inode)
{
	char path[64], line[512];
	unsigned long ino;
	unsigned st;
	FILE *f;
	int found = 0;

	snprintf(path, sizeof path, "/proc/net/%s", file);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (!found && fgets(line, sizeof line, f) != NULL)
		/* sl local remote st tx:rx tr:when retrnsmt uid timeout inode */
		if (sscanf(line, "%*s %*s %*s %x %*s %*s %*s %*s %*s %lu",
			   &st, &ino) == 2 && st == 0x0A && ino == inode)
			found = 1;
	fclose(f);
	return found;
}

/* TCP sockets of this process (the host and the plugin in it) that listen */
static int
listening_sockets(void)
{
	char path[300], link[64];
	struct dirent *e;
	unsigned long inode;
	DIR *d = opendir("/proc/self/fd");
	ssize_t n;
	int count = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
		n = readlink(path, link, sizeof link - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (sscanf(link, "socket:[%lu]", &inode) == 1 &&
		    (inode_listens("tcp", inode) || inode_listens("tcp6", inode)))
			count++;
	}
	closedir(d);
	return count;
}

/*
 * `adac-live push http://127.0.0.1:PORT/ dir/NAME` (the build's), its
 * answer in dir/push.out, while the host keeps running blocks, as a DAW
 * does: its exit status, or -1.
 */
static int
push(struct host *h, int port, const char *name)
{
	const char *build = getenv("ADAC_TEST_BUILD");
	char exe[4200], url[64], file[128], out[128];
	struct timespec nap = { 0, 2000000 };
	pid_t pid;
	int status, b;

	snprintf(exe, sizeof exe, "%s/bin/adac-live", build != NULL ? build : "build");
	snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
	program_path(file, sizeof file, name);
	program_path(out, sizeof out, "push.out");
	pid = fork();
	if (pid == 0) {
		if (freopen(out, "w", stdout) == NULL)
			_exit(127);
		execl(exe, "adac-live", "push", url, file, (char *)NULL);
		_exit(127);
	}
	if (pid < 0)
		return -1;
	for (b = 0; b < WAIT_BLOCKS; b++) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			/* the plugin set its status before it answered */
			host_run(h);
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		}
		host_run(h);
		nanosleep(&nap, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

/* the answer push printed contains text */
static int
pushed_answer_has(const char *text)
{
	char path[128], buf[4096];
	size_t n;
	FILE *f;

	program_path(path, sizeof path, "push.out");
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strstr(buf, text) != NULL;
}

/* Open a host on a.dsp (0.5) that listens on a free port: the port, or -1. */
static int
start_listening(struct host *h)
{
	int port = free_port();

	if (port <= 0 ||
	    start(h, "a.dsp", header, "process = *(0.5), *(0.5);\n", 0.5f) != 0)
		return -1;
	send_int(h, NS "listenPort", port);
	if (run_until_status(h, 4, (float)port) <= 0) {
		check(!"the plugin listens on the port");
		host_close(h);
		return -1;
	}
	return port;
}

static void
test_live_lv2__a_push_plays_what_the_file_would(void)
{
	static const char *prog = "process = *(0.25), *(0.25);\n";
	struct host h, f;
	int port;

	if ((port = start_listening(&h)) < 0)
		return;
	check(run_until_status(&h, 0, 1) > 0);
	write_program("p.dsp", header, prog);
	h.max_step = 0;
	check_int(push(&h, port, "p.dsp"), 0);
	check(pushed_answer_has("\"status\":\"swapped\""));
	check(run_until(&h, 0.25f) > 0);
	check(run_until_status(&h, 0, 2) > 0);	/* a new program runs */
	check(h.status[1] == 2);		/* certified-stable */
	check(h.status[2] == 1);		/* swapped */
	check_int(h.nonfinite, 0);
	/* the crossfade bound of the file's swap test: 0.5 to 0.25 */
	check_le(h.max_step, 2 * 0.75 * (M_PI / 2) / 480);
	/* the same program through the file: the same samples */
	if (start(&f, "p.dsp", header, prog, 0.25f) == 0) {
		host_run(&h);
		host_run(&f);
		check(memcmp(h.out, f.out, sizeof h.out) == 0);
		host_close(&f);
	}
	host_close(&h);
}

static void
test_live_lv2__an_uncertified_push_is_refused_until_allowed(void)
{
	struct host h;
	int port;

	if ((port = start_listening(&h)) < 0)
		return;
	write_program("u.dsp", "", "process = *(0.75), *(0.75);\n");
	/* 403: adac-live push exits 3 (the service refused), see adac-live(1) */
	check_int(push(&h, port, "u.dsp"), 3);
	check(pushed_answer_has("set adac:allowUncertified to play it"));
	check(h.status[2] == 5);		/* refused */
	check(h.status[1] == 0);		/* no adac header */
	host_run(&h);
	check(h.out[0][BLOCK - 1] == 0.5f);
	send_set(&h, NS "allowUncertified", 0, NULL, 1);
	host_run(&h);
	/* the allow reaches the control thread within its 10 ms poll */
	usleep(100000);
	check_int(push(&h, port, "u.dsp"), 0);
	check(run_until(&h, 0.75f) > 0);
	host_close(&h);
}

static void
test_live_lv2__a_broken_or_hostile_push_leaves_the_running_one_playing(void)
{
	struct host h;
	int port;

	if ((port = start_listening(&h)) < 0)
		return;
	check(run_until_status(&h, 0, 1) > 0);
	write_program("x.dsp", header, "process = nosuchthing;\n");
	check_int(push(&h, port, "x.dsp"), 2);	/* 400: the program's fault */
	check(h.status[2] == 4);		/* failed */
	check(h.status[0] == 1);		/* the first program runs on */
	host_run(&h);
	check(h.out[0][BLOCK - 1] == 0.5f);
	/* a file of the machine's, which a network program may not import */
	write_program("y.dsp", header,
		      "import(\"/etc/passwd\");\nprocess = *(0.75), *(0.75);\n");
	check_int(push(&h, port, "y.dsp"), 2);
	check(pushed_answer_has("error"));
	check(h.status[0] == 1);
	host_run(&h);
	check(h.out[0][BLOCK - 1] == 0.5f);
	check_int(h.nonfinite, 0);
	host_close(&h);
}

static void
test_live_lv2__port_zero_listens_on_nothing(void)
{
	struct host h;
	int b, port = free_port();

	check_int(listening_sockets(), 0);
	if (start(&h, "z.dsp", header, "process = *(0.5), *(0.5);\n", 0.5f) != 0)
		return;
	send_int(&h, NS "listenPort", 0);
	for (b = 0; b < 20; b++) {
		host_run(&h);
		usleep(2000);
	}
	check_int(listening_sockets(), 0);	/* the default: off */
	check(h.status[4] == 0);
	check(h.status[5] == 0);		/* nothing announced */
	/* on, then off again: the socket is closed */
	send_int(&h, NS "listenPort", port);
	check(run_until_status(&h, 4, (float)port) > 0);
	check_int(listening_sockets(), 1);
	send_int(&h, NS "listenPort", 0);
	check(run_until_status(&h, 4, 0) > 0);
	check_int(listening_sockets(), 0);
	host_close(&h);
}

static void
test_live_lv2__the_session_state_keeps_the_port(void)
{
	struct host a, b;
	LilvState *st;
	int port;

	if ((port = start_listening(&a)) < 0)
		return;
	st = lilv_state_new_from_instance(plugin, a.inst, &map, NULL, NULL,
					  NULL, NULL, NULL, NULL, 0, features);
	check(st != NULL);
	/* closing withdraws the port: the new instance can take it */
	host_close(&a);
	check_int(listening_sockets(), 0);
	if (st == NULL)
		return;
	check_int(host_open(&b), 0);
	if (b.inst != NULL) {
		lilv_state_restore(st, b.inst, NULL, NULL, 0, features);
		check(run_until_status(&b, 4, (float)port) > 0);
		write_program("r.dsp", header, "process = *(0.125), *(0.125);\n");
		check_int(push(&b, port, "r.dsp"), 0);
		check(run_until(&b, 0.125f) > 0);
		host_close(&b);
	}
	lilv_state_free(st);
}

static void
test_live_lv2__without_avahi_it_plays_on_unannounced(void)
{
	struct host h;
	int port;

	/* no daemon on this bus (the discovery bats starts one for itself) */
	setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/adac-test", 1);
	if ((port = start_listening(&h)) < 0)
		return;
	check(run_until_status(&h, 5, -1) > 0);	/* not announced */
	check(h.status[4] == port);		/* still takes pushes */
	write_program("n.dsp", header, "process = *(0.25), *(0.25);\n");
	check_int(push(&h, port, "n.dsp"), 0);
	check(run_until(&h, 0.25f) > 0);
	check_int(h.nonfinite, 0);
	host_close(&h);
	unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
}

int
main(void)
{
	char cmd[100];

	snprintf(dir, sizeof dir, "/tmp/adac-lv2-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	if (host_load_bundle() != 0) {
		printf("not ok 1 - the plugin's bundle loads\n");
		return 1;
	}
	RUN(test_live_lv2__the_output_follows_the_file_with_a_smooth_swap);
	RUN(test_live_lv2__a_value_only_change_does_not_compile);
	RUN(test_live_lv2__an_uncertified_program_is_refused_until_allowed);
	RUN(test_live_lv2__a_broken_program_leaves_the_running_one_playing);
	RUN(test_live_lv2__knob_one_moves_the_first_visible_slider);
	RUN(test_live_lv2__the_session_state_brings_the_program_back);
	RUN(test_live_lv2__a_push_plays_what_the_file_would);
	RUN(test_live_lv2__an_uncertified_push_is_refused_until_allowed);
	RUN(test_live_lv2__a_broken_or_hostile_push_leaves_the_running_one_playing);
	RUN(test_live_lv2__port_zero_listens_on_nothing);
	RUN(test_live_lv2__the_session_state_keeps_the_port);
	RUN(test_live_lv2__without_avahi_it_plays_on_unannounced);
	host_unload();
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return unit_done();
}
