/*
 * sh.h -- what the unit tests that call real peers (the openssl command)
 * share: a scratch directory, P() for a path in it, run() for a shell
 * command run there with its output kept, output() for that output, and
 * writefile().  A test defines T_NAME (its scratch directory is
 * /tmp/T_NAME.XXXXXX, made with mkdtemp(dir)) and T_OUTMAX before it
 * includes this file.
 */
#ifndef SH_H
#define SH_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "km.h"

static char dir[] = "/tmp/" T_NAME ".XXXXXX";
static char path[512], cmd[4096], outbuf[T_OUTMAX];

/* dir/name, in a buffer the next call reuses. */
static const char *
P(const char *name)
{
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

static int run(const char *fmt, ...) KM_PRINTF(1, 2);

/* Runs the shell command made from fmt in dir, its stdout and stderr
 * into out.txt; returns its exit status (-1 if it did not run). */
static int
run(const char *fmt, ...)
{
	char c[3072];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(c, sizeof(c), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "cd %s && { %s ; } >out.txt 2>&1", dir, c);
	st = system(cmd);
	return st == -1 || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}

/* The output of the last run(), NUL-terminated. */
static const char *
output(void)
{
	FILE *fp;
	size_t n = 0;

	outbuf[0] = '\0';
	if ((fp = fopen(P("out.txt"), "r")) != NULL) {
		n = fread(outbuf, 1, sizeof(outbuf) - 1, fp);
		fclose(fp);
	}
	outbuf[n] = '\0';
	return outbuf;
}

/* Writes n bytes to dir/name: 0 or -1. */
static int
writefile(const char *name, const void *p, size_t n)
{
	FILE *fp;
	int rc;

	if ((fp = fopen(P(name), "w")) == NULL)
		return -1;
	rc = fwrite(p, 1, n, fp) == n ? 0 : -1;
	if (fclose(fp) == EOF)
		rc = -1;
	return rc;
}

#endif
