/*
 * kmcard-status -- the helpdesk's view of a card: find it by number, chip
 * UID, PESEL, NIP or name, and show its state, dates, services, holder and
 * history.  See kmcard-status(1).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char synopsis[] =
    "[-jt] [-c config] [key ...]\n[-jt] [-c config] -s state";

static int masked;
static unsigned long nshown;

/* "j***@example.pl": the domain stays, to tell addresses apart. */
static const char *
mask_email(const char *s, char *buf, size_t sz)
{
	const char *at = strchr(s, '@');

	snprintf(buf, sz, "%.1s***%s", s, at != NULL ? at : "");
	return buf;
}

static const char *
when(const struct cli *c, time_t t, char buf[KM_TIME_BUFSZ])
{
	if (t == 0)
		return NULL;
	return c->out.fmt == KM_OUT_HUMAN ? km_time_local(t, buf) :
	    km_time_iso(t, buf);
}

static void
show(struct cli *c, long long id)
{
	struct km_card card;
	struct km_holder h;
	struct km_event *ev;
	struct km_err e;
	const char *svc[KM_NSERVICES];
	char buf[KM_TIME_BUFSZ], name[2 * KM_NAMESZ + 2], m[KM_TEXTSZ];
	char change[40];
	size_t nsvc = 0, nev, i;
	unsigned bit;
	struct km_out *o = &c->out;

	if (km_card_get(c->db, id, &card, &e) == -1 ||
	    km_holder_get(c->db, card.holder_id, &h, &e) == -1 ||
	    km_card_history(c->db, id, &ev, &nev, &e) == -1)
		cli_die(c, &e);
	for (bit = 1; bit < (1u << KM_NSERVICES); bit <<= 1)
		if (card.services & bit)
			svc[nsvc++] = km_service_name(bit);
	snprintf(name, sizeof(name), "%s %s", h.first_name, h.surname);

	km_out_begin(o);
	km_out_str(o, "number", card.number);
	km_out_str(o, "type", km_card_type_name(card.type));
	km_out_str(o, "state", km_state_name(card.state));
	km_out_str(o, "reason", card.reason[0] ? card.reason : NULL);
	km_out_str(o, "holder", name);
	km_out_int(o, "holder_id", h.id);
	km_out_str(o, "company", h.company[0] ? h.company : NULL);
	km_out_str(o, "nip", h.nip[0] ? h.nip : NULL);
	km_out_str(o, "regon", h.regon[0] ? h.regon : NULL);
	km_out_str(o, "pesel", masked ? km_mask(h.pesel, 4, m, sizeof(m)) :
	    h.pesel);
	km_out_str(o, "street", masked ? "***" : h.street);
	km_out_str(o, "postcode", h.postcode);
	km_out_str(o, "city", h.city);
	km_out_str(o, "email", !h.email[0] ? NULL : masked ?
	    mask_email(h.email, m, sizeof(m)) : h.email);
	km_out_str(o, "phone", !h.phone[0] ? NULL : masked ?
	    km_mask(h.phone, 3, m, sizeof(m)) : h.phone);
	km_out_strv(o, "services", svc, nsvc);
	km_out_str(o, "chip_uid", card.chip_uid[0] ? card.chip_uid : NULL);
	km_out_str(o, "ordered", when(c, card.ordered_at, buf));
	km_out_str(o, "since", when(c, card.state_at, buf));
	km_out_str(o, "expires", when(c, card.expires_at, buf));
	km_out_str(o, "replaces", card.replaces[0] ? card.replaces : NULL);
	km_out_str(o, "replaced_by", card.replaced_by[0] ?
	    card.replaced_by : NULL);
	km_out_bool(o, "hotlisted", card.listed);
	km_out_list_begin(o, "history");
	for (i = 0; i < nev; i++) {
		km_out_item_begin(o);
		km_out_str(o, "at", when(c, ev[i].at, buf));
		if (o->fmt == KM_OUT_HUMAN) {
			snprintf(change, sizeof(change), "%s%s%s",
			    ev[i].from == KM_ST_NONE ? "" :
			    km_state_name(ev[i].from),
			    ev[i].from == KM_ST_NONE ? "" : " -> ",
			    km_state_name(ev[i].to));
			km_out_str(o, "change", change);
		} else {
			km_out_str(o, "from", ev[i].from == KM_ST_NONE ?
			    NULL : km_state_name(ev[i].from));
			km_out_str(o, "to", km_state_name(ev[i].to));
		}
		km_out_str(o, "reason", ev[i].reason[0] ? ev[i].reason : NULL);
		km_out_str(o, "by", ev[i].actor);
		km_out_str(o, "note", ev[i].note[0] ? ev[i].note : NULL);
		km_out_item_end(o);
	}
	km_out_list_end(o);
	km_out_end(o);
	free(ev);
	nshown++;
}

struct find {
	struct cli	*c;
	enum km_errclass worst;
};

static int
find(const char *key, const char *where, void *arg)
{
	struct find *f = arg;
	struct km_err e;
	long long *ids;
	size_t n, i;

	if (km_card_find(f->c->db, key, &ids, &n, &e) == -1) {
		if (e.eclass == KM_ETEMP || e.eclass == KM_ESYS)
			cli_die(f->c, &e);
		km_errpre(&e, "%s", where);
		cli_error(&e);
		f->worst = cli_worse(f->worst, e.eclass);
		return 0;
	}
	if (n == 0) {
		/* The key may be a PESEL: name the argument, not the key. */
		km_errf(&e, KM_ENOTFOUND, "%s: no card found", where);
		cli_error(&e);
		f->worst = cli_worse(f->worst, KM_ENOTFOUND);
	}
	for (i = 0; i < n; i++)
		show(f->c, ids[i]);
	free(ids);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct cli c;
	struct find f;
	struct km_err e;
	enum km_outfmt fmt = KM_OUT_HUMAN;
	const char *cfgpath = NULL, *state = NULL;
	long long *ids;
	size_t n, i;
	int ch;

	cli_init(argc, argv);
	while ((ch = getopt(argc, argv, "c:hjs:tV")) != -1) {
		switch (ch) {
		case 'c':
			cfgpath = optarg;
			break;
		case 'h':
			cli_help(synopsis);
		case 'j':
			fmt = KM_OUT_JSON;
			break;
		case 's':
			state = optarg;
			break;
		case 't':
			fmt = KM_OUT_TSV;
			break;
		case 'V':
			cli_version();
		default:
			cli_usage(synopsis);
		}
	}
	argc -= optind;
	argv += optind;
	if (state != NULL && argc > 0)
		cli_usage(synopsis);

	cli_open(&c, cfgpath, KM_ROLE_CLERK | KM_ROLE_HELPDESK |
	    KM_ROLE_ADMIN | KM_ROLE_AUDITOR, KM_DB_RDONLY);
	masked = !(c.roles & (KM_ROLE_CLERK | KM_ROLE_ADMIN));
	km_out_init(&c.out, stdout, fmt);
	memset(&f, 0, sizeof(f));
	f.c = &c;
	if (state != NULL) {
		if (km_card_list(c.db, state, &ids, &n, &e) == -1)
			cli_die(&c, &e);
		for (i = 0; i < n; i++)
			show(&c, ids[i]);
		free(ids);
	} else if (cli_each(argc, argv, find, &f) == -1) {
		km_errf(&e, KM_ESYS, "read from stdin failed");
		cli_die(&c, &e);
	}
	return cli_close(&c, km_exitcode(f.worst));
}
