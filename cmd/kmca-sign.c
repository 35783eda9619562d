/*
 * kmca-sign -- issues certificates by profile for cards' keys: one
 * request (a CSR or a bare public key), or a batch for mass issuance and
 * mass re-keying.  See kmca-sign(1).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define REQ_MAX	(64 * 1024)

static const char synopsis[] =
    "[-jkt] [-c config] -p profile [-n card | -s name] [-o dir] [request]\n"
    "[-jkt] [-c config] -p profile [-o dir] -b\n"
    "[-jkt] [-c config] -p profile [-o dir] -d dir";

struct done {
	struct km_ca_issued is;
	char		 file[PATH_MAX];	/* "" without -o */
};

struct run {
	struct cli	*c;
	struct km_ca	*ca;
	int		 profile;
	int		 keep;
	const char	*outdir;
	struct done	*done;
	size_t		 ndone, cap;
	unsigned long	 nbad, nseen;
	enum km_errclass worst;
};

static void	unwrite(struct run *);

/* Fails the whole run: the certificate files written go again. */
static __dead void
die(struct run *r, const struct km_err *e)
{
	unwrite(r);
	cli_die(r->c, e);
}

/* Copies src into dst of sz bytes, cut if longer. */
static void
copy(char *dst, const char *src, size_t sz)
{
	snprintf(dst, sz, "%s", src);
}

/* Reads the request file path ("-": stdin) into buf. */
static int
read_req(const char *path, unsigned char *buf, size_t *len,
    struct km_err *err)
{
	FILE *fp;
	size_t n;

	if (strcmp(path, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(path, "rb")) == NULL)
		return km_errf(err, KM_EDATA, "cannot read request '%s': %s",
		    path, strerror(errno));
	n = fread(buf, 1, REQ_MAX + 1, fp);
	if (ferror(fp)) {
		km_errf(err, KM_EDATA, "cannot read request '%s': %s", path,
		    strerror(errno));
		if (fp != stdin)
			fclose(fp);
		return -1;
	}
	if (fp != stdin)
		fclose(fp);
	if (n > REQ_MAX)
		return km_errf(err, KM_EDATA, "request '%s': longer than %d "
		    "KiB", path, REQ_MAX / 1024);
	*len = n;
	return 0;
}

/*
 * A request: read and parsed (its CSR's self-signature checked) by the
 * reader, issued by the store's one writer.  In a batch the reader is a
 * thread of its own that works ahead of the writer: parsing a request
 * costs OpenSSL 3.0 about as much as all the rest of issuing it, so on two
 * cores the batch goes twice as fast.  Requests are issued, and refused,
 * in the order they come.
 */
struct job {
	char		 card[64];
	char		 path[PATH_MAX];
	char		 where[64];	/* "<stdin>:N", or "" */
	struct km_key	*key;		/* NULL: refused, e says why */
	struct km_err	 e;
	int		 last;		/* no more requests */
};

#define QLEN	64

struct queue {
	pthread_mutex_t	 mu;
	pthread_cond_t	 more, room;
	struct job	 q[QLEN];
	size_t		 head, n;
	const char	*dir;		/* -d; NULL: -b lines on stdin */
};

/* Reads and parses job's request file (the reader's work). */
static void
parse(struct job *j)
{
	static unsigned char buf[REQ_MAX + 1];
	size_t len = 0;
	int iscsr;

	j->key = NULL;
	if (read_req(j->path, buf, &len, &j->e) == -1 ||
	    km_req_parse(buf, len, j->path, &j->key, &iscsr, &j->e) == -1)
		j->key = NULL;
}

static void
push(struct queue *q, const struct job *j)
{
	pthread_mutex_lock(&q->mu);
	while (q->n == QLEN)
		pthread_cond_wait(&q->room, &q->mu);
	q->q[(q->head + q->n) % QLEN] = *j;
	q->n++;
	pthread_cond_signal(&q->more);
	pthread_mutex_unlock(&q->mu);
}

static void
pop(struct queue *q, struct job *j)
{
	pthread_mutex_lock(&q->mu);
	while (q->n == 0)
		pthread_cond_wait(&q->more, &q->mu);
	*j = q->q[q->head];
	q->head = (q->head + 1) % QLEN;
	q->n--;
	pthread_cond_signal(&q->room);
	pthread_mutex_unlock(&q->mu);
}

/* Ends the batch with a job that says so, and why, if it failed. */
static void
finish(struct queue *q, struct job *j, enum km_errclass c, const char *msg)
{
	memset(j, 0, sizeof(*j));
	j->last = 1;
	if (msg != NULL)
		km_errf(&j->e, c, "%s", msg);
	push(q, j);
}

/* Batch: "card file" lines on stdin. */
static void
read_stdin(struct queue *q)
{
	static struct job j;
	char *line = NULL, *card, *file, *end;
	size_t cap = 0;
	unsigned long lineno = 0;

	while (getline(&line, &cap, stdin) != -1) {
		lineno++;
		card = line + strspn(line, " \t");
		if (*card == '#' || *card == '\n' || *card == '\0' ||
		    *card == '\r')
			continue;
		file = card + strcspn(card, " \t\r\n");
		if (*file != '\0')
			*file++ = '\0';
		file += strspn(file, " \t");
		end = file + strcspn(file, "\r\n");
		*end = '\0';
		while (end > file && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		memset(&j, 0, sizeof(j));
		snprintf(j.where, sizeof(j.where), "<stdin>:%lu", lineno);
		if (*file == '\0')
			km_errf(&j.e, KM_EDATA, "expected 'card file'");
		else {
			copy(j.card, card, sizeof(j.card));
			copy(j.path, file, sizeof(j.path));
			parse(&j);
		}
		push(q, &j);
	}
	free(line);
	finish(q, &j, KM_ESYS, ferror(stdin) ? "read from stdin failed" :
	    NULL);
}

static int
cmpname(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Batch: every DIR/CARD.{csr,pem,der,pub}, in name order. */
static void
read_dir(struct queue *q)
{
	static struct job j;
	struct dirent *de;
	DIR *d;
	char **names = NULL, **nn, msg[PATH_MAX + 64], *dot;
	size_t n = 0, cap = 0, i;

	if ((d = opendir(q->dir)) == NULL) {
		snprintf(msg, sizeof(msg), "cannot read directory '%s': %s",
		    q->dir, strerror(errno));
		finish(q, &j, KM_EDATA, msg);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || (dot = strrchr(de->d_name, '.')) ==
		    NULL || (strcmp(dot, ".csr") != 0 &&
		    strcmp(dot, ".pem") != 0 && strcmp(dot, ".der") != 0 &&
		    strcmp(dot, ".pub") != 0))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			if ((nn = realloc(names, cap * sizeof(*nn))) == NULL)
				goto nomem;
			names = nn;
		}
		if ((names[n] = strdup(de->d_name)) == NULL)
			goto nomem;
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), cmpname);
	for (i = 0; i < n; i++) {
		memset(&j, 0, sizeof(j));
		snprintf(j.path, sizeof(j.path), "%s/%s", q->dir, names[i]);
		snprintf(j.card, sizeof(j.card), "%.*s",
		    (int)(strrchr(names[i], '.') - names[i]), names[i]);
		parse(&j);
		push(q, &j);
		free(names[i]);
	}
	free(names);
	finish(q, &j, KM_EOK, NULL);
	return;
nomem:
	closedir(d);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	finish(q, &j, KM_ESYS, "out of memory");
}

static void *
reader(void *arg)
{
	struct queue *q = arg;

	if (q->dir != NULL)
		read_dir(q);
	else
		read_stdin(q);
	return NULL;
}

/* Issues the certificate of job j, parsed, or reports why not. */
static void
issue(struct run *r, struct job *j, const char *cn)
{
	struct km_err e;
	struct done *d, *nd;

	r->nseen++;
	if (r->ndone == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		if ((nd = realloc(r->done, r->cap * sizeof(*nd))) == NULL) {
			km_errf(&e, KM_ESYS, "out of memory");
			cli_die(r->c, &e);
		}
		r->done = nd;
	}
	d = &r->done[r->ndone];
	d->file[0] = '\0';
	if (j->key == NULL) {
		e = j->e;
		goto refused;
	}
	if (km_db_savepoint(r->c->db, &e) == -1)
		die(r, &e);
	if (km_ca_sign_key(r->ca, r->profile, j->key, j->path,
	    j->card[0] ? j->card : NULL, cn, &d->is, &e) == -1)
		goto bad;
	if (r->outdir != NULL) {
		snprintf(d->file, sizeof(d->file), "%s/%s.crt", r->outdir,
		    d->is.serial);
		if (km_file_write(d->file, d->is.pem, strlen(d->is.pem), 0644,
		    KM_FILE_EXCL | KM_FILE_NOSYNC, &e) == -1) {
			d->file[0] = '\0';
			free(d->is.pem);
			goto bad;
		}
		free(d->is.pem);
		d->is.pem = NULL;
	}
	if (km_db_release(r->c->db, &e) == -1)
		die(r, &e);
	r->ndone++;
	cli_progress(r->nseen, "requests");
	return;
bad:
	km_db_rollback_to(r->c->db);
refused:
	if (e.eclass == KM_ETEMP || e.eclass == KM_ESYS)
		die(r, &e);
	if (j->where[0] != '\0')
		km_errpre(&e, "%s", j->where);
	cli_error(&e);
	r->worst = cli_worse(r->worst, e.eclass);
	r->nbad++;
}

/* A batch: the reader thread reads and parses, this one issues. */
static void
run_batch(struct run *r, const char *dir)
{
	static struct queue q;
	static struct job j;
	struct km_err e;
	pthread_t t;

	q.dir = dir;
	if (pthread_mutex_init(&q.mu, NULL) != 0 ||
	    pthread_cond_init(&q.more, NULL) != 0 ||
	    pthread_cond_init(&q.room, NULL) != 0 ||
	    pthread_create(&t, NULL, reader, &q) != 0) {
		km_errf(&e, KM_ESYS, "cannot start the reader thread");
		die(r, &e);
	}
	for (;;) {
		pop(&q, &j);
		if (j.last)
			break;
		issue(r, &j, NULL);
	}
	pthread_join(t, NULL);
	if (j.e.eclass != KM_EOK)
		die(r, &j.e);
}

static void
print(struct run *r, int pem)
{
	const struct done *d;
	char buf[KM_TIME_BUFSZ];
	size_t i;

	for (i = 0; i < r->ndone; i++) {
		d = &r->done[i];
		if (pem) {
			fputs(d->is.pem, stdout);
			continue;
		}
		km_out_begin(&r->c->out);
		km_out_str(&r->c->out, "serial", d->is.serial);
		km_out_str(&r->c->out, "card", d->is.card[0] ? d->is.card :
		    NULL);
		km_out_str(&r->c->out, "profile",
		    km_profile_name(d->is.profile));
		km_out_str(&r->c->out, "key_type", d->is.key_type);
		km_out_str(&r->c->out, "not_after", km_time_iso(d->is.not_after,
		    buf));
		km_out_int(&r->c->out, "superseded",
		    (long long)d->is.superseded);
		km_out_str(&r->c->out, "file", d->file[0] ? d->file : NULL);
		km_out_str(&r->c->out, "subject", d->is.subject);
		if (d->is.pem != NULL)
			km_out_str(&r->c->out, "pem", d->is.pem);
		km_out_end(&r->c->out);
	}
}

/* Takes the certificate files of a batch that is not kept back out. */
static void
unwrite(struct run *r)
{
	size_t i;

	for (i = 0; i < r->ndone; i++)
		if (r->done[i].file[0] != '\0')
			unlink(r->done[i].file);
}

int
main(int argc, char *argv[])
{
	struct cli c;
	struct km_err e;
	struct run r;
	enum km_outfmt fmt = KM_OUT_HUMAN;
	const char *cfgpath = NULL, *profile = NULL, *card = NULL, *cn = NULL;
	const char *dir = NULL;
	static struct job one;
	struct stat st;
	size_t i;
	int ch, batch = 0, fmtset = 0, iscard;

	cli_init(argc, argv);
	memset(&r, 0, sizeof(r));
	while ((ch = getopt(argc, argv, "bc:d:hjkn:o:p:s:tV")) != -1) {
		switch (ch) {
		case 'b':
			batch = 1;
			break;
		case 'c':
			cfgpath = optarg;
			break;
		case 'd':
			dir = optarg;
			break;
		case 'h':
			cli_help(synopsis);
		case 'j':
			fmt = KM_OUT_JSON;
			fmtset = 1;
			break;
		case 'k':
			r.keep = 1;
			break;
		case 'n':
			card = optarg;
			break;
		case 'o':
			r.outdir = optarg;
			break;
		case 'p':
			profile = optarg;
			break;
		case 's':
			cn = optarg;
			break;
		case 't':
			fmt = KM_OUT_TSV;
			fmtset = 1;
			break;
		case 'V':
			cli_version();
		default:
			cli_usage(synopsis);
		}
	}
	argc -= optind;
	argv += optind;
	if (profile == NULL || (card != NULL && cn != NULL) ||
	    (batch && dir != NULL) || ((batch || dir != NULL) &&
	    (argc > 0 || card != NULL || cn != NULL)) || argc > 1)
		cli_usage(synopsis);
	if ((r.profile = km_profile_parse(profile)) == -1) {
		km_errf(&e, KM_EUSAGE, "unknown profile '%s' (card-auth, "
		    "card-sign, ocsp, hotlist)", profile);
		cli_error(&e);
		cli_usage(synopsis);
	}
	iscard = r.profile == KM_PROF_CARD_AUTH ||
	    r.profile == KM_PROF_CARD_SIGN;
	if ((batch || dir != NULL) && !iscard) {
		km_errf(&e, KM_EUSAGE, "a batch is for the card profiles, not "
		    "'%s'", profile);
		cli_error(&e);
		cli_usage(synopsis);
	}
	if ((iscard && cn != NULL) || (!iscard && card != NULL)) {
		km_errf(&e, KM_EUSAGE, "profile '%s' takes %s, not %s",
		    profile, iscard ? "a card (-n)" : "a name (-s)",
		    iscard ? "a name (-s)" : "a card (-n)");
		cli_error(&e);
		cli_usage(synopsis);
	}
	if (!batch && dir == NULL && iscard && card == NULL) {
		km_errf(&e, KM_EUSAGE, "profile '%s' needs a card (-n card)",
		    profile);
		cli_error(&e);
		cli_usage(synopsis);
	}
	if (!batch && dir == NULL && !iscard && cn == NULL) {
		km_errf(&e, KM_EUSAGE, "profile '%s' needs a common name "
		    "(-s name)", profile);
		cli_error(&e);
		cli_usage(synopsis);
	}
	errno = 0;
	if (r.outdir != NULL && (stat(r.outdir, &st) == -1 ||
	    !S_ISDIR(st.st_mode))) {
		km_errf(&e, KM_EDATA, "output directory '%s': %s", r.outdir,
		    errno != 0 ? strerror(errno) : "not a directory");
		cli_error(&e);
		return km_exitcode(KM_EDATA);
	}

	cli_open(&c, cfgpath, KM_ROLE_ADMIN, KM_DB_RDWR);
	r.c = &c;
	km_out_init(&c.out, stdout, fmt);
	if (km_ca_open(&r.ca, c.db, c.cfg, KM_CA_ISSUING_KEY, &e) == -1)
		cli_die(&c, &e);
	if (km_db_begin(c.db, &e) == -1)
		cli_die(&c, &e);
	if (batch || dir != NULL)
		run_batch(&r, dir);
	else {
		memset(&one, 0, sizeof(one));
		snprintf(one.path, sizeof(one.path), "%s",
		    argc > 0 ? argv[0] : "-");
		snprintf(one.card, sizeof(one.card), "%s",
		    card != NULL ? card : "");
		parse(&one);
		issue(&r, &one, cn);
	}
	km_ca_free(r.ca);
	if (r.nbad > 0 && !r.keep) {
		km_db_rollback(c.db);
		unwrite(&r);
		cli_progress_end();
		fprintf(stderr, "%s: %lu of %lu requests refused: nothing "
		    "issued\n", cli_progname(), r.nbad, r.nseen);
		for (i = 0; i < r.ndone; i++)
			free(r.done[i].is.pem);
		free(r.done);
		return cli_close(&c, km_exitcode(r.worst));
	}
	/* The certificate files, written unsynced, reach the disk before
	 * the store commits them. */
	if (r.outdir != NULL && r.ndone > 0)
		sync();
	if (km_db_commit(c.db, &e) == -1) {
		unwrite(&r);
		cli_die(&c, &e);
	}
	cli_publish(&c);
	cli_progress_end();
	print(&r, r.outdir == NULL && !fmtset);
	if (r.nbad > 0)
		fprintf(stderr, "%s: %lu of %lu requests refused, %zu "
		    "certificates issued\n", cli_progname(), r.nbad, r.nseen,
		    r.ndone);
	else if (batch || dir != NULL)
		fprintf(stderr, "%s: %zu certificates issued\n",
		    cli_progname(), r.ndone);
	for (i = 0; i < r.ndone; i++)
		free(r.done[i].is.pem);
	free(r.done);
	return cli_close(&c, km_exitcode(r.worst));
}
