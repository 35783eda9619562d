/*
 * vcard.c -- the virtual card of kmcard-sim(1): its chip UID, the state of
 * its applications, the card file that holds them, and the card-level
 * handling of command APDUs: parsing the short APDU forms, SELECT by AID
 * through a table of applications, and handing every other command to the
 * application selected.  The applications themselves live in their own
 * files (vcard-km.c: the km application of kmcard-apdu(7)).
 *
 * The card file is the card's memory.  It is a short text file, replaced
 * as a whole and atomically whenever the card commits anything: written to
 * a temporary file in the same directory, fsync'd, renamed over the old
 * one, and the directory fsync'd; so a card pulled out, or a machine that
 * stops, mid-write leaves the old file or the new one, never a mix.  While
 * a card is served, its file is locked (flock): the lock moves to each new
 * file before it is renamed into place, so there is no moment when a
 * second server could take it.  The format, version 1 (kmcard-sim(1)):
 *
 *	KMCARD 1
 *	uid 04A1B2C3D4E5F6			chip UID, 4, 7 or 10 bytes
 *	key 1 000102...0F			AES keys present, 1 to 4
 *	environment 0100...			29 bytes
 *	event 1 ...   event 2 ...   event 3 ...	29 bytes each, 1 newest
 *	contract 1 ... to contract 4 ...	29 bytes each
 *	counters 000000000000000000000000	4 counters of 3 bytes
 *	purse 1 BALANCE COUNTER LIMIT		decimal; also purse 2
 *	sessions N				sessions committed
 *	ratified 0|1				the last one was
 *	invalidated 0|1
 *	end
 *
 * one item a line, binary data in hex, each line once (key 1 must be
 * there, keys 2 to 4 may be), in any order between the first line and
 * "end"; empty lines and lines starting with '#' are skipped.  Loading
 * checks every line and value and names the first bad one as file:line.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vcard.h"

#define FILE_MAX	(64 * 1024)	/* far above any card file */
#define MAXTOK		8

/*
 * The ATR: T=1 only, direct convention.  T0 F8: TA1 TB1 TC1 TD1 and 8
 * historical bytes; TA1 13 (Fi 372, Di 4), TB1 00, TC1 00 (no extra
 * guard time), TD1 81 (TD2 follows, T=1), TD2 31 (TA3 TB3 follow, T=1),
 * TA3 FE (IFSC 254), TB3 15 (BWI 1, CWI 5), the historical bytes
 * "KMCARD01" (a proprietary category), then TCK, the XOR of T0 to the
 * last historical byte.
 */
static const unsigned char atr[] = {
	0x3B, 0xF8, 0x13, 0x00, 0x00, 0x81, 0x31, 0xFE, 0x15,
	'K', 'M', 'C', 'A', 'R', 'D', '0', '1', 0xA3
};

/* The applications on the card, found by AID at SELECT. */
static const struct vc_app *const apps[] = {
	&vc_app_km,
};

static void
vc_init(struct km_vcard *vc, const unsigned char *uid, size_t uidlen)
{
	memset(vc, 0, sizeof(*vc));
	vc->lockfd = -1;
	memcpy(vc->uid, uid, uidlen);
	vc->uidlen = uidlen;
	kmv_blank(&vc->km);
}

static int
check_uid(size_t uidlen, struct km_err *err)
{
	if (uidlen != 4 && uidlen != 7 && uidlen != 10)
		return km_errf(err, KM_EUSAGE, "chip uid of %zu bytes (4, 7 or "
		    "10)", uidlen);
	return 0;
}

/* ---------------------------------------------------------- the file */

static size_t
put_hex(char *p, const unsigned char *b, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < n; i++) {
		p[2 * i] = hex[b[i] >> 4];
		p[2 * i + 1] = hex[b[i] & 15];
	}
	p[2 * n] = '\0';
	return 2 * n;
}

/* Appends a line to buf (KM_VCARD_TEXTMAX bytes) at *len. */
static void KM_PRINTF(3, 4)
add(char *buf, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + *len, KM_VCARD_TEXTMAX - *len, fmt, ap);
	va_end(ap);
	/* The largest card file is about 900 bytes. */
	if (n > 0 && (size_t)n < KM_VCARD_TEXTMAX - *len)
		*len += (size_t)n;
}

static void
add_hex(char *buf, size_t *len, const char *what, int num,
    const unsigned char *b, size_t n)
{
	char hex[2 * 64 + 1];

	put_hex(hex, b, n);
	if (num > 0)
		add(buf, len, "%s %d %s\n", what, num, hex);
	else
		add(buf, len, "%s %s\n", what, hex);
}

/* The card file's text for the card with km application state st. */
static size_t
format(const struct km_vcard *vc, const struct kmv_state *st,
    char buf[KM_VCARD_TEXTMAX])
{
	size_t len = 0;
	int i;

	buf[0] = '\0';
	add(buf, &len, "KMCARD 1\n");
	add_hex(buf, &len, "uid", 0, vc->uid, vc->uidlen);
	for (i = 0; i < KMV_NKEYS; i++)
		if (st->haskey & (1u << i))
			add_hex(buf, &len, "key", i + 1, st->key[i],
			    KM_AES_KEYSZ);
	add_hex(buf, &len, "environment", 0, st->env, KMV_RECSZ);
	for (i = 0; i < KMV_NEVENTS; i++)
		add_hex(buf, &len, "event", i + 1, st->event[i], KMV_RECSZ);
	for (i = 0; i < KMV_NCONTRACTS; i++)
		add_hex(buf, &len, "contract", i + 1, st->contract[i],
		    KMV_RECSZ);
	add_hex(buf, &len, "counters", 0, st->counters, KMV_CTRSZ);
	for (i = 0; i < KMV_NPURSES; i++)
		add(buf, &len, "purse %d %" PRId32 " %u %" PRId32 "\n", i + 1,
		    st->purse[i].balance, (unsigned)st->purse[i].counter,
		    st->purse[i].limit);
	add(buf, &len, "sessions %" PRIu32 "\n", st->sessions);
	add(buf, &len, "ratified %d\n", st->ratified ? 1 : 0);
	add(buf, &len, "invalidated %d\n", st->invalidated ? 1 : 0);
	add(buf, &len, "end\n");
	return len;
}

size_t
km_vcard_text(const struct km_vcard *vc, char buf[KM_VCARD_TEXTMAX])
{
	return format(vc, &vc->km, buf);
}

/* The class of a failure to write the card file: a full disk may pass,
 * a path that cannot be written will not. */
static enum km_errclass
ioclass(int e)
{
	switch (e) {
	case ENOSPC:
	case EDQUOT:
		return KM_ETEMP;
	case ENOENT:
	case ENOTDIR:
	case EACCES:
	case EPERM:
	case EROFS:
	case ENAMETOOLONG:
	case EISDIR:
		return KM_EDATA;
	default:
		return KM_ESYS;
	}
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Makes the rename or link of a file in path's directory durable. */
static int
sync_dir(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, rv;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	rv = fsync(fd);
	close(fd);
	return rv;
}

/*
 * Writes the card with state st to vc->path through a temporary file.
 * With excl, the file must not exist yet (link instead of rename).  If the
 * card holds the lock, the new file is locked before it takes the name,
 * and its descriptor keeps the lock.
 */
static int
save(struct km_vcard *vc, const struct kmv_state *st, int excl,
    struct km_err *err)
{
	char text[KM_VCARD_TEXTMAX], tmp[PATH_MAX];
	size_t len;
	int fd, e, w;

	if (vc->path == NULL)
		return 0;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", vc->path) >=
	    sizeof(tmp))
		return km_errf(err, KM_EUSAGE, "card file name '%s' too long",
		    vc->path);
	if ((fd = mkstemp(tmp)) == -1)
		return km_errf(err, ioclass(errno), "cannot write card file "
		    "'%s': %s", vc->path, strerror(errno));
	if (vc->lockfd != -1 && flock(fd, LOCK_EX | LOCK_NB) == -1)
		goto fail;
	len = format(vc, st, text);
	w = write_all(fd, text, len);
	km_wipe(text, len);
	if (w == -1 || fsync(fd) == -1)
		goto fail;
	if (excl) {
		if (link(tmp, vc->path) == -1)
			goto fail;
		unlink(tmp);
	} else if (rename(tmp, vc->path) == -1)
		goto fail;
	/* The new file has the name: the card has committed, whether or not
	 * the directory can be flushed (which only makes it durable). */
	(void)sync_dir(vc->path);
	if (vc->lockfd != -1) {
		close(vc->lockfd);
		vc->lockfd = fd;
	} else
		close(fd);
	return 0;
fail:
	e = errno;
	unlink(tmp);
	close(fd);
	if (excl && e == EEXIST)
		return km_errf(err, KM_EDATA, "card file '%s' exists",
		    vc->path);
	return km_errf(err, ioclass(e), "cannot write card file '%s': %s",
	    vc->path, strerror(e));
}

int
vc_commit_km(struct km_vcard *vc, const struct kmv_state *st,
    struct km_err *err)
{
	if (save(vc, st, 0, err) == -1)
		return -1;
	if (&vc->km != st)
		vc->km = *st;
	return 0;
}

/*
 * Opens path and takes its lock (when lock is set) on the file that has
 * the name now: after a server renames a new file into place, a lock
 * taken on the old one is worth nothing, so it is taken again.  Returns
 * the descriptor, or -1: absent (KM_ENOTFOUND with enoent), locked
 * (KM_ETEMP), or another failure.
 */
static int
open_locked(const char *path, int lock, struct km_err *err)
{
	struct stat a, b;
	int fd, tries;

	for (tries = 0; tries < 100; tries++) {
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			return km_errf(err, errno == ENOENT ? KM_ENOTFOUND :
			    KM_EDATA, "cannot open card file '%s': %s", path,
			    strerror(errno));
		if (!lock)
			return fd;
		if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
			int e = errno;

			close(fd);
			if (e == EWOULDBLOCK)
				return km_errf(err, KM_ETEMP, "cannot lock "
				    "card file '%s': in use by another "
				    "kmcard-sim", path);
			return km_errf(err, KM_ESYS, "cannot lock card file "
			    "'%s': %s", path, strerror(e));
		}
		if (fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			return fd;
		close(fd);
	}
	return km_errf(err, KM_ETEMP, "cannot lock card file '%s': it keeps "
	    "being replaced", path);
}

int
km_vcard_create(const char *path, const unsigned char *uid, size_t uidlen,
    int force, struct km_err *err)
{
	struct km_vcard vc;
	int rv, fd = -1;

	if (check_uid(uidlen, err) == -1)
		return -1;
	vc_init(&vc, uid, uidlen);
	if ((vc.path = strdup(path)) == NULL)
		return km_errf(err, KM_ESYS, "out of memory");
	if (force) {
		/* Not under a card that is being served. */
		fd = open_locked(path, 1, err);
		if (fd == -1 && err != NULL && err->eclass != KM_ENOTFOUND) {
			free(vc.path);
			return -1;
		}
	}
	rv = save(&vc, &vc.km, !force, err);
	if (fd != -1)
		close(fd);
	free(vc.path);
	km_wipe(&vc.km, sizeof(vc.km));
	return rv;
}

/* ---------------------------------------------------------- loading */

struct loader {
	const char	*path;
	unsigned long	 line;
	struct km_err	*err;
};

static int KM_PRINTF(2, 3)
bad(struct loader *l, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	km_errf(l->err, KM_EDATA, "%s:%lu: %s", l->path, l->line, msg);
	return -1;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Exactly n bytes of hex in s. */
static int
get_hex(struct loader *l, const char *what, const char *s,
    unsigned char *out, size_t n)
{
	size_t i;
	int hi, lo;

	if (strlen(s) != 2 * n)
		return bad(l, "%s: not %zu hex digits", what, 2 * n);
	for (i = 0; i < n; i++) {
		if ((hi = hexval(s[2 * i])) < 0 ||
		    (lo = hexval(s[2 * i + 1])) < 0)
			return bad(l, "%s: not %zu hex digits", what, 2 * n);
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/* A decimal integer in [min, max]: digits, with a '-' if min < 0. */
static int
get_num(struct loader *l, const char *what, const char *s, long long min,
    long long max, long long *v)
{
	const char *p = s;
	char *end;

	*v = 0;
	if (*p == '-')
		p++;
	if (*p < '0' || *p > '9')
		return bad(l, "%s: not a number", what);
	errno = 0;
	*v = strtoll(s, &end, 10);
	if (*end != '\0')
		return bad(l, "%s: not a number", what);
	if (errno == ERANGE || *v < min || *v > max)
		return bad(l, "%s: %s out of range (%lld to %lld)", what, s,
		    min, max);
	return 0;
}

/* The index (from 0) of the numbered item tok, 1 to n; or -1. */
static int
get_index(struct loader *l, const char *what, const char *tok, int n)
{
	long long v = 0;

	if (get_num(l, what, tok, 1, n, &v) == -1 || v < 1 || v > n)
		return -1;
	return (int)(v - 1);
}

/* Bits of struct seen: which lines were there. */
enum {
	S_UID = 0, S_KEY = 1, S_ENV = S_KEY + KMV_NKEYS,
	S_EVENT = S_ENV + 1, S_CONTRACT = S_EVENT + KMV_NEVENTS,
	S_COUNTERS = S_CONTRACT + KMV_NCONTRACTS, S_PURSE = S_COUNTERS + 1,
	S_SESSIONS = S_PURSE + KMV_NPURSES, S_RATIFIED, S_INVALIDATED, S_NBITS
};

static int
once(struct loader *l, uint32_t *seen, int bit, const char *what)
{
	if (*seen & (UINT32_C(1) << bit))
		return bad(l, "second '%s' line", what);
	*seen |= UINT32_C(1) << bit;
	return 0;
}

/* One line of the file, split into ntok tokens. */
static int
parse_line(struct loader *l, struct km_vcard *vc, char **tok, int ntok,
    uint32_t *seen)
{
	struct kmv_state *st = &vc->km;
	const char *kw = tok[0];
	long long v[3] = { 0, 0, 0 };
	int i = 0, want;

	if (strcmp(kw, "uid") == 0 || strcmp(kw, "environment") == 0 ||
	    strcmp(kw, "counters") == 0 || strcmp(kw, "sessions") == 0 ||
	    strcmp(kw, "ratified") == 0 || strcmp(kw, "invalidated") == 0)
		want = 2;
	else if (strcmp(kw, "key") == 0 || strcmp(kw, "event") == 0 ||
	    strcmp(kw, "contract") == 0)
		want = 3;
	else if (strcmp(kw, "purse") == 0)
		want = 5;
	else if (strcmp(kw, "KMCARD") == 0)
		return bad(l, "second 'KMCARD' line");
	else
		return bad(l, "unknown line '%.40s'", kw);
	if (ntok != want)
		return bad(l, "'%s' line: %d fields, not %d", kw, ntok, want);

	if (strcmp(kw, "uid") == 0) {
		size_t n = strlen(tok[1]) / 2;

		if (once(l, seen, S_UID, kw) == -1)
			return -1;
		if (n != 4 && n != 7 && n != 10)
			return bad(l, "uid: not 4, 7 or 10 bytes in hex");
		if (get_hex(l, kw, tok[1], vc->uid, n) == -1)
			return -1;
		vc->uidlen = n;
	} else if (strcmp(kw, "key") == 0) {
		if ((i = get_index(l, "key number", tok[1], KMV_NKEYS)) < 0 ||
		    once(l, seen, S_KEY + i, "key") == -1 ||
		    get_hex(l, "key", tok[2], st->key[i], KM_AES_KEYSZ) == -1)
			return -1;
		st->haskey |= 1u << i;
	} else if (strcmp(kw, "environment") == 0) {
		if (once(l, seen, S_ENV, kw) == -1 ||
		    get_hex(l, kw, tok[1], st->env, KMV_RECSZ) == -1)
			return -1;
	} else if (strcmp(kw, "event") == 0) {
		if ((i = get_index(l, "event number", tok[1], KMV_NEVENTS)) <
		    0 || once(l, seen, S_EVENT + i, kw) == -1 ||
		    get_hex(l, kw, tok[2], st->event[i], KMV_RECSZ) == -1)
			return -1;
	} else if (strcmp(kw, "contract") == 0) {
		if ((i = get_index(l, "contract number", tok[1],
		    KMV_NCONTRACTS)) < 0 ||
		    once(l, seen, S_CONTRACT + i, kw) == -1 ||
		    get_hex(l, kw, tok[2], st->contract[i], KMV_RECSZ) == -1)
			return -1;
	} else if (strcmp(kw, "counters") == 0) {
		if (once(l, seen, S_COUNTERS, kw) == -1 ||
		    get_hex(l, kw, tok[1], st->counters, KMV_CTRSZ) == -1)
			return -1;
	} else if (strcmp(kw, "purse") == 0) {
		if ((i = get_index(l, "purse number", tok[1], KMV_NPURSES)) <
		    0 || once(l, seen, S_PURSE + i, kw) == -1 ||
		    get_num(l, "purse balance", tok[2], INT32_MIN, INT32_MAX,
		    &v[0]) == -1 ||
		    get_num(l, "purse counter", tok[3], 0, 65535, &v[1]) ==
		    -1 ||
		    get_num(l, "purse limit", tok[4], 0, INT32_MAX, &v[2]) ==
		    -1)
			return -1;
		st->purse[i].balance = (int32_t)v[0];
		st->purse[i].counter = (uint16_t)v[1];
		st->purse[i].limit = (int32_t)v[2];
	} else if (strcmp(kw, "sessions") == 0) {
		if (once(l, seen, S_SESSIONS, kw) == -1 ||
		    get_num(l, kw, tok[1], 0, UINT32_MAX, &v[0]) == -1)
			return -1;
		st->sessions = (uint32_t)v[0];
	} else if (strcmp(kw, "ratified") == 0) {
		if (once(l, seen, S_RATIFIED, kw) == -1 ||
		    get_num(l, kw, tok[1], 0, 1, &v[0]) == -1)
			return -1;
		st->ratified = (int)v[0];
	} else {
		if (once(l, seen, S_INVALIDATED, kw) == -1 ||
		    get_num(l, kw, tok[1], 0, 1, &v[0]) == -1)
			return -1;
		st->invalidated = (int)v[0];
	}
	return 0;
}

/* The lines a card file must have, by bit of seen, for messages. */
static const char *
missing(uint32_t seen)
{
	static const struct {
		int	 bit;
		const char *what;
	} need[] = {
		{ S_UID, "uid" }, { S_KEY, "key 1" },
		{ S_ENV, "environment" },
		{ S_EVENT, "event 1" }, { S_EVENT + 1, "event 2" },
		{ S_EVENT + 2, "event 3" },
		{ S_CONTRACT, "contract 1" }, { S_CONTRACT + 1, "contract 2" },
		{ S_CONTRACT + 2, "contract 3" },
		{ S_CONTRACT + 3, "contract 4" },
		{ S_COUNTERS, "counters" },
		{ S_PURSE, "purse 1" }, { S_PURSE + 1, "purse 2" },
		{ S_SESSIONS, "sessions" }, { S_RATIFIED, "ratified" },
		{ S_INVALIDATED, "invalidated" }
	};
	size_t i;

	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (!(seen & (UINT32_C(1) << need[i].bit)))
			return need[i].what;
	return NULL;
}

/* Parses the text of a card file (n bytes at text, NUL-terminated). */
static int
parse(struct km_vcard *vc, char *text, size_t n, struct loader *l)
{
	static char empty[] = "";
	char *p = text, *nl, *tok[MAXTOK + 1], *s;
	const char *miss;
	uint32_t seen = 0;
	int ntok, header = 0, end = 0;

	if (strlen(text) != n) {
		l->line = 1;
		for (s = text; s < text + strlen(text); s++)
			if (*s == '\n')
				l->line++;
		return bad(l, "NUL byte");
	}
	for (l->line = 1; *p != '\0'; l->line++, p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			return bad(l, "last line not ended");
		*nl = '\0';
		if (end)
			return bad(l, "line after 'end'");
		if (!header) {
			if (strcmp(p, "KMCARD 1") != 0) {
				if (strncmp(p, "KMCARD ", 7) == 0)
					return bad(l, "card file version "
					    "'%.20s' (this kmcard-sim reads "
					    "1)", p + 7);
				return bad(l, "not a card file (no 'KMCARD "
				    "1' line)");
			}
			header = 1;
			continue;
		}
		if (*p == '\0' || *p == '#')
			continue;
		for (ntok = 0; ntok <= MAXTOK; ntok++)
			tok[ntok] = empty;
		ntok = 0;
		for (s = strtok(p, " \t"); s != NULL; s = strtok(NULL, " \t"))
			if (ntok <= MAXTOK)
				tok[ntok++] = s;
		if (ntok == 0)
			continue;	/* blanks only */
		if (ntok > MAXTOK)
			return bad(l, "too many fields");
		if (strcmp(tok[0], "end") == 0) {
			if (ntok != 1)
				return bad(l, "'end' line: %d fields, not 1",
				    ntok);
			end = 1;
			continue;
		}
		if (parse_line(l, vc, tok, ntok, &seen) == -1)
			return -1;
	}
	if (!header) {
		l->line = 1;
		return bad(l, "empty card file");
	}
	if (!end)
		return bad(l, "no 'end' line: the file is cut short");
	if ((miss = missing(seen)) != NULL)
		return bad(l, "no '%s' line", miss);
	return 0;
}

int
km_vcard_open(struct km_vcard **vcp, const char *path, int flags,
    struct km_err *err)
{
	struct km_vcard *vc;
	struct loader l;
	struct stat sb;
	char *text = NULL;
	ssize_t r;
	size_t n = 0;
	int fd;

	*vcp = NULL;
	if ((fd = open_locked(path, flags & KM_VCARD_LOCK, err)) == -1) {
		if (err != NULL && err->eclass == KM_ENOTFOUND)
			err->eclass = KM_EDATA;
		return -1;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return km_errf(err, KM_EDATA, "card file '%s': not a regular "
		    "file", path);
	}
	if (sb.st_size > FILE_MAX) {
		close(fd);
		return km_errf(err, KM_EDATA, "card file '%s': too large to "
		    "be one", path);
	}
	if ((vc = calloc(1, sizeof(*vc))) == NULL ||
	    (text = malloc(FILE_MAX + 1)) == NULL ||
	    (vc->path = strdup(path)) == NULL) {
		close(fd);
		if (vc != NULL)
			free(vc->path);
		free(vc);
		free(text);
		return km_errf(err, KM_ESYS, "out of memory");
	}
	for (;;) {
		r = read(fd, text + n, FILE_MAX + 1 - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n > FILE_MAX)
			break;
	}
	vc->lockfd = -1;
	if (r == -1 || n > FILE_MAX) {
		int e = errno;

		km_errf(err, r == -1 ? KM_ESYS : KM_EDATA, "cannot read card "
		    "file '%s': %s", path, r == -1 ? strerror(e) :
		    "too large to be one");
		goto fail;
	}
	text[n] = '\0';
	l.path = path;
	l.line = 0;
	l.err = err;
	if (parse(vc, text, n, &l) == -1)
		goto fail;
	km_wipe(text, n);
	free(text);
	if (flags & KM_VCARD_LOCK)
		vc->lockfd = fd;
	else
		close(fd);
	*vcp = vc;
	return 0;
fail:
	km_wipe(text, n);
	free(text);
	close(fd);
	km_wipe(&vc->km, sizeof(vc->km));
	free(vc->path);
	free(vc);
	return -1;
}

int
km_vcard_new(struct km_vcard **vcp, const unsigned char *uid, size_t uidlen,
    struct km_err *err)
{
	*vcp = NULL;
	if (check_uid(uidlen, err) == -1)
		return -1;
	if ((*vcp = malloc(sizeof(**vcp))) == NULL)
		return km_errf(err, KM_ESYS, "out of memory");
	vc_init(*vcp, uid, uidlen);
	return 0;
}

void
km_vcard_free(struct km_vcard *vc)
{
	if (vc == NULL)
		return;
	km_vcard_reset(vc);
	if (vc->lockfd != -1)
		close(vc->lockfd);
	free(vc->path);
	km_wipe(vc, sizeof(*vc));
	free(vc);
}

const unsigned char *
km_vcard_uid(const struct km_vcard *vc, size_t *len)
{
	*len = vc->uidlen;
	return vc->uid;
}

const unsigned char *
km_vcard_atr(size_t *len)
{
	*len = sizeof(atr);
	return atr;
}

/* ---------------------------------------------------------- APDUs */

void
km_vcard_reset(struct km_vcard *vc)
{
	size_t i;

	for (i = 0; i < sizeof(apps) / sizeof(apps[0]); i++)
		apps[i]->end(vc);
	vc->app = NULL;
}

int
vc_le_fits(const struct vc_apdu *a, size_t n)
{
	return !a->hasle || a->le >= n;
}

/*
 * Splits a short command APDU (ISO/IEC 7816-3 12.1): 4 bytes case 1, 5
 * case 2, then Lc (1 to 255) and the data, and an Le byte for case 4.
 * Extended lengths (a 00 byte where Lc would be) are not supported.
 * Returns 0, or the status word 6700.
 */
static unsigned
parse_apdu(const unsigned char *cmd, size_t n, struct vc_apdu *a)
{
	memset(a, 0, sizeof(*a));
	a->raw = cmd;
	a->rawlen = n;
	if (n < 4)
		return 0x6700;
	a->cla = cmd[0];
	a->ins = cmd[1];
	a->p1 = cmd[2];
	a->p2 = cmd[3];
	if (n == 4)
		return 0;
	if (n == 5) {
		a->hasle = 1;
		a->le = cmd[4] == 0 ? 256 : cmd[4];
		return 0;
	}
	if (cmd[4] == 0)
		return 0x6700;
	a->lc = cmd[4];
	a->data = cmd + 5;
	if (n == 5 + a->lc)
		return 0;
	if (n == 6 + a->lc) {
		a->hasle = 1;
		a->le = cmd[n - 1] == 0 ? 256 : cmd[n - 1];
		return 0;
	}
	return 0x6700;
}

/* SELECT by AID (00 A4 04 00): ends what is open, then looks the AID up.
 * A SELECT that fails leaves the current application selected. */
static unsigned
select_app(struct km_vcard *vc, const struct vc_apdu *a, struct vc_resp *r)
{
	unsigned sw;
	size_t i;

	if (vc->app != NULL)
		vc->app->end(vc);
	if (a->p1 != 0x04)
		return 0x6A86;
	if (a->lc < 1 || a->lc > 16)
		return 0x6700;
	for (i = 0; i < sizeof(apps) / sizeof(apps[0]); i++)
		if (apps[i]->aidlen == a->lc &&
		    memcmp(apps[i]->aid, a->data, a->lc) == 0)
			break;
	if (i == sizeof(apps) / sizeof(apps[0]))
		return 0x6A82;
	if (a->p2 != 0x00)
		return 0x6A86;
	sw = apps[i]->select(vc, a, r);
	if (sw == 0x9000 || (sw & 0xFF00) == 0x6200)
		vc->app = apps[i];
	return sw;
}

int
km_vcard_apdu(struct km_vcard *vc, const unsigned char *cmd, size_t n,
    unsigned char resp[KM_VCARD_RESPMAX], size_t *rlen, struct km_err *err)
{
	struct vc_apdu a;
	struct vc_resp r;
	struct km_err e;
	unsigned sw;
	int rv = 0;

	r.buf = resp;
	r.len = 0;
	r.cap = KM_VCARD_RESPMAX - 2;
	e.eclass = KM_EOK;
	e.msg[0] = '\0';
	if ((sw = parse_apdu(cmd, n, &a)) != 0) {
		a.malformed = 1;
		if (vc->app != NULL && n >= 4 && a.cla == 0x00 &&
		    a.ins == 0xA4)
			vc->app->end(vc);	/* a SELECT all the same */
		else if (vc->app != NULL)	/* part of a session */
			sw = vc->app->apdu(vc, &a, &r, &e);
	} else if (a.cla == 0x00 && a.ins == 0xA4)
		sw = select_app(vc, &a, &r);
	else if (vc->app == NULL)
		sw = 0x6A82;
	else
		sw = vc->app->apdu(vc, &a, &r, &e);
	if (e.eclass != KM_EOK) {
		if (err != NULL)
			*err = e;
		rv = -1;
	}
	/* A refusal carries no data (SELECT's 6283 warning does). */
	if (sw != 0x9000 && sw != 0x6283)
		r.len = 0;
	if (r.len > r.cap)
		r.len = 0;
	resp[r.len] = (unsigned char)(sw >> 8);
	resp[r.len + 1] = (unsigned char)(sw & 0xff);
	*rlen = r.len + 2;
	return rv;
}
