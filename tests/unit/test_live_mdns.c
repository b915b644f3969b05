/*
 * test_live_mdns.c - the DNS-SD records adac-live serve announces and
 * how adac-live list reads them back, without a daemon: the records are
 * what every other DNS-SD browser sees, so they are checked byte for
 * byte here; tests/cli/discovery.bats checks them through a real
 * avahi-daemon where one can run.
 */
#include <stdlib.h>
#include <string.h>

#include "live_mdns.h"
#include "unit.h"
#include "version.h"

static void
test_live_mdns__txt_records_in_order(void)
{
	struct adac_live_mdns_service s = {
		.listen_host = "127.0.0.1", .port = 5500, .token = 1,
		.osc_port = 5510, .program = "fdn.dsp",
	};
	struct adac_live_mdns_txt t;

	adac_live_mdns_txt(&s, &t);
	check_int(t.n, 5);
	check_str(t.rec[0], "txtvers=1");
	check_str(t.rec[1], "version=" ADAC_VERSION);
	check_str(t.rec[2], "token=required");
	check_str(t.rec[3], "osc=5510");
	check_str(t.rec[4], "program=fdn.dsp");
}

static void
test_live_mdns__the_plugin_says_kind_lv2_last(void)
{
	struct adac_live_mdns_service s = {
		.listen_host = "127.0.0.1", .port = 5500, .kind = "lv2",
	};
	struct adac_live_mdns_txt t;
	const char *txt[] = { "txtvers=1", "token=none", "kind=lv2" };
	struct adac_live_mdns_found f = {
		.name = "p", .host = "h.local", .address = "127.0.0.1",
		.port = 5500, .txt = txt, .n_txt = 3,
	};
	char *j;

	adac_live_mdns_txt(&s, &t);
	check_int(t.n, 4);
	check_str(t.rec[2], "token=none");
	check_str(t.rec[3], "kind=lv2");
	j = adac_live_mdns_found_json(&f);
	check_str(j, "{\"name\":\"p\",\"host\":\"h.local\",\"address\":\"127.0.0.1\","
		  "\"port\":5500,\"url\":\"http://127.0.0.1:5500/\",\"token\":false,"
		  "\"osc\":null,\"program\":null,\"version\":null,"
		  "\"interface\":null,\"kind\":\"lv2\"}");
	free(j);
}

static void
test_live_mdns__no_osc_no_program_no_token(void)
{
	struct adac_live_mdns_service s = { .listen_host = "127.0.0.1", .port = 80 };
	struct adac_live_mdns_txt t;

	adac_live_mdns_txt(&s, &t);
	check_int(t.n, 3);
	check_str(t.rec[2], "token=none");
}

static void
test_live_mdns__long_program_is_cut_at_a_character(void)
{
	/* "program=" (8 bytes) + 123 two-byte "é" = 254 bytes; one more
	 * would make 256 > 255, the most one TXT string holds */
	struct adac_live_mdns_service s = { .listen_host = "::1" };
	struct adac_live_mdns_txt t;
	char name[2 * 200 + 1];
	int i;

	for (i = 0; i < 200; i++)
		memcpy(name + 2 * i, "\xc3\xa9", 2);
	name[400] = '\0';
	s.program = name;
	adac_live_mdns_txt(&s, &t);
	check_int(strlen(t.rec[3]), 8 + 2 * 123);
	check(strncmp(t.rec[3], "program=\xc3\xa9", 10) == 0);
	check(memcmp(t.rec[3] + strlen(t.rec[3]) - 2, "\xc3\xa9", 2) == 0);
}

static void
test_live_mdns__instance_name(void)
{
	char out[ADAC_LIVE_MDNS_NAME_MAX + 1], longname[100];

	adac_live_mdns_name(NULL, "studio", out);
	check_str(out, "adac-live on studio");
	adac_live_mdns_name("FDN training", "studio", out);
	check_str(out, "FDN training");
	/* 62 ASCII bytes and a 2-byte character: 64 > 63, the character goes */
	memset(longname, 'a', 62);
	memcpy(longname + 62, "\xc3\xa9", 3);
	adac_live_mdns_name(longname, "studio", out);
	check_int(strlen(out), 62);
}

static void
test_live_mdns__found_service_as_json(void)
{
	const char *txt[] = { "txtvers=1", "version=0.1.0", "token=none",
			      "osc=5510", "program=fdn.dsp" };
	struct adac_live_mdns_found f = {
		.name = "adac-live on studio", .host = "studio.local",
		.address = "192.168.1.20", .ifname = "eth0", .port = 5500,
		.txt = txt, .n_txt = 5,
	};
	char *s = adac_live_mdns_found_json(&f);

	check_str(s, "{\"name\":\"adac-live on studio\",\"host\":\"studio.local\","
		  "\"address\":\"192.168.1.20\",\"port\":5500,"
		  "\"url\":\"http://192.168.1.20:5500/\",\"token\":false,"
		  "\"osc\":5510,\"program\":\"fdn.dsp\",\"version\":\"0.1.0\","
		  "\"interface\":\"eth0\",\"kind\":null}");
	free(s);
}

static void
test_live_mdns__what_a_stranger_announces_is_read_safely(void)
{
	/* no token record: taken to need one; an osc that is not a port;
	 * a program name that is not UTF-8 */
	const char *txt[] = { "osc=99999", "program=a\xff" "b", "tokenx=none" };
	struct adac_live_mdns_found f = {
		.name = "x", .host = "h.local", .address = "10.0.0.1",
		.port = 1, .txt = txt, .n_txt = 3,
	};
	char *s = adac_live_mdns_found_json(&f);

	check(adac_live_mdns_needs_token(&f));
	check_str(s, "{\"name\":\"x\",\"host\":\"h.local\",\"address\":\"10.0.0.1\","
		  "\"port\":1,\"url\":\"http://10.0.0.1:1/\",\"token\":true,"
		  "\"osc\":null,\"program\":\"a?b\",\"version\":null,"
		  "\"interface\":null,\"kind\":null}");
	free(s);
	txt[2] = "token=required";
	check(adac_live_mdns_needs_token(&f));
	txt[2] = "token=none";
	check(!adac_live_mdns_needs_token(&f));
}

static void
test_live_mdns__urls(void)
{
	struct adac_live_mdns_found f = { .address = "::1", .port = 5500 };
	char *s;

	s = adac_live_mdns_url(&f);
	check_str(s, "http://[::1]:5500/");
	free(s);
	f.address = "fe80::1";
	f.ifname = "eth0";
	s = adac_live_mdns_url(&f);
	check_str(s, "http://[fe80::1%25eth0]:5500/");
	free(s);
}

int
main(void)
{
	RUN(test_live_mdns__txt_records_in_order);
	RUN(test_live_mdns__no_osc_no_program_no_token);
	RUN(test_live_mdns__the_plugin_says_kind_lv2_last);
	RUN(test_live_mdns__long_program_is_cut_at_a_character);
	RUN(test_live_mdns__instance_name);
	RUN(test_live_mdns__found_service_as_json);
	RUN(test_live_mdns__what_a_stranger_announces_is_read_safely);
	RUN(test_live_mdns__urls);
	return unit_done();
}
