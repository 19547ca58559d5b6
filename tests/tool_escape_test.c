// SPDX-License-Identifier: MIT
/*
 * The tool's escaping of names in JSON (RFC 8259) and in Prometheus label
 * values (text exposition format), on strings the module's name alphabet
 * does not allow today: the output must stay well formed whatever a later
 * module accepts. Built on the host by make check, with the tool's own
 * source included so that the functions tested are the ones it runs.
 */
#define main atomic_counter_tool_main
#include "../userspace/tool/atomic-counter.c"
#undef main

static int failed;

static void check(const char *what, void (*fn)(FILE *, const char *), const char *in,
		  const char *want)
{
	char *got = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&got, &len);

	if (!f) {
		perror("open_memstream");
		exit(1);
	}
	fn(f, in);
	if (fclose(f)) {
		perror("fclose");
		exit(1);
	}
	if (strcmp(got, want)) {
		printf("not ok %s: got %s, want %s\n", what, got, want);
		failed = 1;
	} else {
		printf("ok %s\n", what);
	}
	free(got);
}

int main(void)
{
	check("json.plain", json_string, "jobs.done", "\"jobs.done\"");
	check("json.quote_and_backslash", json_string, "a\"b\\c", "\"a\\\"b\\\\c\"");
	check("json.control_characters", json_string, "\n\t\x01\x1f\x7f",
	      "\"\\n\\t\\u0001\\u001f\\u007f\"");
	check("json.utf8_as_is", json_string, "caf\xc3\xa9", "\"caf\xc3\xa9\"");
	check("prometheus.plain", prom_label, "jobs.done", "\"jobs.done\"");
	check("prometheus.quote_backslash_newline", prom_label, "a\"b\\c\nd",
	      "\"a\\\"b\\\\c\\nd\"");
	check("prometheus.tab_as_is", prom_label, "a\tb", "\"a\tb\"");
	return failed;
}
