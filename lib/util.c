/*
 * util.c -- small string helpers the library shares: bounded copies, the
 * digit test, and the folding of names (lower case, Polish diacritics
 * dropped) by which holders are searched, so that "Łukasz", "ŁUKASZ" and
 * "lukasz" find the same person without relying on the database's case
 * rules.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "km-internal.h"

size_t
km_strlcpy(char *dst, const char *src, size_t sz)
{
	size_t n = strlen(src);

	if (sz > 0) {
		size_t c = n < sz - 1 ? n : sz - 1;

		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}

int
km_isdigits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return s[n] == '\0';
}

/* Polish letters in UTF-8 (both cases) and their plain lower-case form. */
static const struct {
	const char *utf8;
	char plain;
} fold_pl[] = {
	{ "\xc4\x84", 'a' }, { "\xc4\x85", 'a' },	/* Ą ą */
	{ "\xc4\x86", 'c' }, { "\xc4\x87", 'c' },	/* Ć ć */
	{ "\xc4\x98", 'e' }, { "\xc4\x99", 'e' },	/* Ę ę */
	{ "\xc5\x81", 'l' }, { "\xc5\x82", 'l' },	/* Ł ł */
	{ "\xc5\x83", 'n' }, { "\xc5\x84", 'n' },	/* Ń ń */
	{ "\xc3\x93", 'o' }, { "\xc3\xb3", 'o' },	/* Ó ó */
	{ "\xc5\x9a", 's' }, { "\xc5\x9b", 's' },	/* Ś ś */
	{ "\xc5\xb9", 'z' }, { "\xc5\xba", 'z' },	/* Ź ź */
	{ "\xc5\xbb", 'z' }, { "\xc5\xbc", 'z' },	/* Ż ż */
};

void
km_fold(const char *in, char *out, size_t outsz)
{
	size_t o = 0, i;

	if (outsz == 0)
		return;
	while (*in != '\0' && o + 1 < outsz) {
		unsigned char c = (unsigned char)*in;

		if (c < 0x80) {
			out[o++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) :
			    (char)c;
			in++;
			continue;
		}
		for (i = 0; i < nitems(fold_pl); i++)
			if (strncmp(in, fold_pl[i].utf8, 2) == 0)
				break;
		if (i < nitems(fold_pl)) {
			out[o++] = fold_pl[i].plain;
			in += 2;
			continue;
		}
		/* Any other character is kept as it is, byte by byte. */
		out[o++] = *in++;
	}
	out[o] = '\0';
}

uint32_t
km_get_be(const unsigned char *p, int n)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

void
km_put_be(unsigned char *p, uint32_t v, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}

/* Writes a new file path in place. */
static int
write_new(const char *path, const void *p, size_t n, int mode,
    struct km_err *err)
{
	const char *b = p;
	ssize_t w;
	int fd, e;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    (mode_t)mode)) == -1)
		return km_errf(err, errno == ENOSPC ? KM_ETEMP : KM_EDATA,
		    "cannot write '%s': %s", path, strerror(errno));
	while (n > 0) {
		if ((w = write(fd, b, n)) == -1) {
			if (errno == EINTR)
				continue;
			e = errno;
			close(fd);
			unlink(path);
			return km_errf(err, e == ENOSPC ? KM_ETEMP : KM_ESYS,
			    "cannot write '%s': %s", path, strerror(e));
		}
		b += w;
		n -= (size_t)w;
	}
	if (close(fd) == -1) {
		e = errno;
		unlink(path);
		return km_errf(err, e == ENOSPC ? KM_ETEMP : KM_ESYS,
		    "cannot write '%s': %s", path, strerror(e));
	}
	return 0;
}

/*
 * Writes n bytes at p to path through a temporary file in its directory
 * (mode mode, fsync'd, renamed into place, the directory fsync'd), so a
 * reader sees the old file or the new one, never a part.  With
 * KM_FILE_EXCL an existing path is KM_EDATA and left alone; with
 * KM_FILE_NOSYNC nothing is fsync'd (the caller syncs a batch of files at
 * once), and a new file (KM_FILE_EXCL as well) is written in place, as a
 * batch takes its files back as a whole on failure.  A full disk is
 * KM_ETEMP.
 */
int
km_file_write(const char *path, const void *p, size_t n, int mode, int flags,
    struct km_err *err)
{
	int excl = flags & KM_FILE_EXCL, nosync = flags & KM_FILE_NOSYNC;
	char tmp[PATH_MAX], dir[PATH_MAX];
	const char *slash, *b = p;
	ssize_t w;
	int fd, e, dfd;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >=
	    sizeof(tmp))
		return km_errf(err, KM_EDATA, "file name '%s' too long", path);
	if (excl && access(path, F_OK) == 0)
		return km_errf(err, KM_EDATA, "'%s' exists already", path);
	if (excl && nosync)
		return write_new(path, p, n, mode, err);
	if ((fd = mkstemp(tmp)) == -1)
		return km_errf(err, errno == ENOSPC ? KM_ETEMP : KM_EDATA,
		    "cannot write '%s': %s", path, strerror(errno));
	if (fchmod(fd, (mode_t)mode) == -1)
		goto fail;
	while (n > 0) {
		if ((w = write(fd, b, n)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		b += w;
		n -= (size_t)w;
	}
	if (!nosync && fsync(fd) == -1)
		goto fail;
	if (excl ? link(tmp, path) == -1 : rename(tmp, path) == -1)
		goto fail;
	if (excl)
		unlink(tmp);
	close(fd);
	if (nosync)
		return 0;
	slash = strrchr(path, '/');
	snprintf(dir, sizeof(dir), "%.*s", slash == NULL ? 1 :
	    slash == path ? 1 : (int)(slash - path), slash == NULL ? "." :
	    path);
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(dfd);
		close(dfd);
	}
	return 0;
fail:
	e = errno;
	close(fd);
	unlink(tmp);
	return km_errf(err, e == ENOSPC ? KM_ETEMP : e == EEXIST ? KM_EDATA :
	    KM_ESYS, "cannot write '%s': %s", path, strerror(e));
}
