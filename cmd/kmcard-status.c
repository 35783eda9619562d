/*
 * kmcard-status -- the helpdesk's view of a card: find it by number, chip
 * UID, PESEL, NIP or name, and show its state, dates, services, holder and
 * history; or read the chip of the card in the reader (-C), show it beside
 * the card the store binds it to, and say where the two disagree.  See
 * kmcard-status(1).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char synopsis[] =
    "[-jt] [-c config] [key ...]\n"
    "[-jt] [-c config] -s state\n"
    "[-jt] [-c config] [-r reader] -C";

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

/* The card's fields, all empty: a chip bound to no card. */
static void
show_none(struct km_out *o)
{
	static const char *const keys[] = {
		"number", "type", "state", "reason", "holder", "holder_id",
		"company", "nip", "regon", "pesel", "street", "postcode",
		"city", "email", "phone", "services", "chip_uid", "ordered",
		"since", "expires", "replaces", "replaced_by", "hotlisted"
	};
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		km_out_str(o, keys[i], NULL);
	if (o->fmt != KM_OUT_TSV)	/* TSV has no history */
		km_out_str(o, "history", NULL);
}

/* The card's certificates from the city CA, oldest first: JSON and
 * people only (TSV has no lists), and for people only when there are
 * some. */
static void
show_certs(struct cli *c, long long id)
{
	struct km_out *o = &c->out;
	struct km_certstat *v;
	struct km_err e;
	char buf[KM_TIME_BUFSZ];
	size_t n, i;

	if (o->fmt == KM_OUT_TSV)
		return;
	if (km_ca_card_certs(c->db, id, &v, &n, &e) == -1)
		cli_die(c, &e);
	if (n == 0 && o->fmt == KM_OUT_HUMAN)
		return;
	km_out_list_begin(o, "certificates");
	for (i = 0; i < n; i++) {
		km_out_item_begin(o);
		km_out_str(o, "serial", v[i].serial);
		km_out_str(o, "profile", v[i].profile);
		km_out_str(o, "status", v[i].status == KM_OCSP_GOOD ? "good" :
		    v[i].hold ? "hold" : "revoked");
		km_out_str(o, "reason", v[i].status == KM_OCSP_GOOD ? NULL :
		    km_reason_name(v[i].reason));
		km_out_str(o, "not_after", when(c, v[i].not_after, buf));
		km_out_item_end(o);
	}
	km_out_list_end(o);
	free(v);
}

/* For people, where chip and card disagree. */
static const char *
mismatch_text(unsigned bit, const struct km_chip *chip,
    const struct km_card *card, char *buf, size_t sz)
{
	switch (bit) {
	case KM_CHIP_UNBOUND:
		return "the chip is bound to no card";
	case KM_CHIP_NUMBER:
		snprintf(buf, sz, "card number %s on the chip, %s in the store",
		    chip->env.number, card->number);
		return buf;
	case KM_CHIP_STATE:
		snprintf(buf, sz, "card %s in the store, application %s on "
		    "the chip", km_state_name(card->state),
		    km_chip_state_name(chip->state));
		return buf;
	case KM_CHIP_TYPE:
		snprintf(buf, sz, "card type %s on the chip, %s in the store",
		    km_card_type_name(chip->env.type),
		    km_card_type_name(card->type));
		return buf;
	}
	return NULL;
}

/* The chip's fields, and where it disagrees with card (NULL: none). */
static void
show_chip(struct km_out *o, const struct km_chip *chip,
    const struct km_card *card, unsigned mism)
{
	const char *ev[KM_CHIP_NEVENTS], *mv[KM_CHIP_NMISMATCH];
	char hex[KM_CHIP_NEVENTS][2 * KM_KMAPP_RECMAX + 1];
	char money[KM_MONEY_BUFSZ], buf[KM_TIME_BUFSZ], date[11], line[160];
	size_t nev = 0, nm = 0, i, j;
	unsigned bit;
	int human = o->fmt == KM_OUT_HUMAN, hasenv = chip->hasenv;

	for (i = 0; i < chip->nevents; i++) {
		for (j = 0; j < chip->eventlen[i]; j++)
			if (chip->event[i][j] != 0)
				break;
		if (j == chip->eventlen[i])
			continue;	/* never written */
		for (j = 0; j < chip->eventlen[i]; j++)
			snprintf(hex[nev] + 2 * j, 3, "%02X",
			    chip->event[i][j]);
		ev[nev] = hex[nev];
		nev++;
	}

	km_out_obj_begin(o, "chip");
	km_out_str(o, "reader", chip->reader[0] ? chip->reader : NULL);
	km_out_str(o, "uid", chip->uidhex);
	km_out_str(o, "state", km_chip_state_name(chip->state));
	km_out_str(o, "number", hasenv ? chip->env.number : NULL);
	km_out_str(o, "type", hasenv ? km_card_type_name(chip->env.type) :
	    NULL);
	if (hasenv)	/* the date of "YYYY-MM-DDT00:00:00Z" */
		snprintf(date, sizeof(date), "%.10s",
		    km_time_iso(chip->env.end, buf));
	km_out_str(o, "expires", hasenv ? date : NULL);
	if (hasenv)
		km_out_int(o, "profile", chip->env.profile);
	else
		km_out_str(o, "profile", NULL);
	km_money_fmt(chip->purse[0].balance, money);
	if (human) {
		snprintf(line, sizeof(line), "%s (counter %u)", money,
		    chip->purse[0].counter);
		km_out_str(o, "emoney", line);
		snprintf(line, sizeof(line), "%ld (counter %u)",
		    (long)chip->purse[1].balance, chip->purse[1].counter);
		km_out_str(o, "points", line);
		for (i = 0; i < nev; i++)
			km_out_str(o, "event", ev[i]);
	} else {
		km_out_str(o, "emoney", money);
		km_out_int(o, "emoney_counter", chip->purse[0].counter);
		km_out_int(o, "points", chip->purse[1].balance);
		km_out_int(o, "points_counter", chip->purse[1].counter);
		km_out_strv(o, "events", ev, nev);
	}
	for (bit = 1; bit < (1u << KM_CHIP_NMISMATCH); bit <<= 1) {
		if (!(mism & bit))
			continue;
		if (human)
			km_out_str(o, "mismatch", mismatch_text(bit, chip,
			    card, line, sizeof(line)));
		mv[nm++] = km_chip_mismatch_name(bit);
	}
	if (!human)
		km_out_strv(o, "mismatch", mv, nm);
	km_out_obj_end(o);
}

/* Shows card id with the chip, if not NULL; returns where they disagree. */
static unsigned
show(struct cli *c, long long id, const struct km_chip *chip)
{
	struct km_card card;
	struct km_holder h;
	struct km_event *ev;
	struct km_err e;
	const char *svc[KM_NSERVICES];
	char buf[KM_TIME_BUFSZ], name[2 * KM_NAMESZ + 2], m[KM_TEXTSZ];
	char change[40];
	size_t nsvc = 0, nev, i;
	unsigned bit, mism = 0;
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
	if (chip != NULL) {
		mism = km_chip_check(chip, &card);
		show_chip(o, chip, &card, mism);
	}
	show_certs(c, id);
	km_out_end(o);
	free(ev);
	nshown++;
	return mism;
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
		show(f->c, ids[i], NULL);
	free(ids);
	return 0;
}

/*
 * -C: reads the chip in reader (NULL: the first that holds a card), finds
 * the card its UID is bound to, and shows both.  Returns the error class
 * of the answer: KM_ENOTFOUND when they disagree.
 */
static enum km_errclass
show_reader(struct cli *c, const char *reader)
{
	struct km_chip chip;
	struct km_err e;
	struct km_out *o = &c->out;
	struct km_card card;
	char key[KM_UIDSZ + 4], names[80];
	long long *ids;
	size_t n, i, len;
	unsigned mism, bit;
	enum km_errclass worst = KM_EOK;

	if (km_chip_read_reader(reader, &chip, &e) == -1)
		cli_die(c, &e);
	snprintf(key, sizeof(key), "uid:%s", chip.uidhex);
	if (km_card_find(c->db, key, &ids, &n, &e) == -1)
		cli_die(c, &e);
	if (n == 0) {
		km_out_begin(o);
		show_none(o);
		show_chip(o, &chip, NULL, KM_CHIP_UNBOUND);
		km_out_end(o);
		fflush(stdout);		/* the message after the record */
		km_errf(&e, KM_ENOTFOUND, "chip '%s' in reader '%s' is bound "
		    "to no card", chip.uidhex, chip.reader);
		cli_error(&e);
		return KM_ENOTFOUND;
	}
	for (i = 0; i < n; i++) {
		if (km_card_get(c->db, ids[i], &card, &e) == -1)
			cli_die(c, &e);
		if ((mism = show(c, ids[i], &chip)) == 0)
			continue;
		fflush(stdout);
		names[0] = '\0';
		len = 0;
		for (bit = 1; bit < (1u << KM_CHIP_NMISMATCH); bit <<= 1)
			if ((mism & bit) && len < sizeof(names))
				len += (size_t)snprintf(names + len,
				    sizeof(names) - len, "%s%s",
				    len > 0 ? ", " : "",
				    km_chip_mismatch_name(bit));
		km_errf(&e, KM_ENOTFOUND, "chip '%s' in reader '%s' disagrees "
		    "with card '%s': %s", chip.uidhex, chip.reader,
		    card.number, names);
		cli_error(&e);
		worst = KM_ENOTFOUND;
	}
	free(ids);
	return worst;
}

int
main(int argc, char *argv[])
{
	struct cli c;
	struct find f;
	struct km_err e;
	enum km_outfmt fmt = KM_OUT_HUMAN;
	const char *cfgpath = NULL, *state = NULL, *reader = NULL;
	long long *ids;
	size_t n, i;
	int ch, chip = 0;

	cli_init(argc, argv);
	while ((ch = getopt(argc, argv, "Cc:hjr:s:tV")) != -1) {
		switch (ch) {
		case 'C':
			chip = 1;
			break;
		case 'c':
			cfgpath = optarg;
			break;
		case 'h':
			cli_help(synopsis);
		case 'j':
			fmt = KM_OUT_JSON;
			break;
		case 'r':
			reader = optarg;
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
	if ((state != NULL && argc > 0) || (reader != NULL && !chip) ||
	    (chip && (state != NULL || argc > 0)))
		cli_usage(synopsis);
	if (reader != NULL && *reader == '\0') {
		km_errf(&e, KM_EUSAGE, "-r '': no reader named");
		cli_die(NULL, &e);
	}

	cli_open(&c, cfgpath, KM_ROLE_CLERK | KM_ROLE_HELPDESK |
	    KM_ROLE_ADMIN | KM_ROLE_AUDITOR, KM_DB_RDONLY);
	masked = !(c.roles & (KM_ROLE_CLERK | KM_ROLE_ADMIN));
	km_out_init(&c.out, stdout, fmt);
	memset(&f, 0, sizeof(f));
	f.c = &c;
	if (chip)
		f.worst = show_reader(&c, reader != NULL ? reader :
		    c.cfg->reader.name);
	else if (state != NULL) {
		if (km_card_list(c.db, state, &ids, &n, &e) == -1)
			cli_die(&c, &e);
		for (i = 0; i < n; i++)
			show(&c, ids[i], NULL);
		free(ids);
	} else if (cli_each(argc, argv, find, &f) == -1) {
		km_errf(&e, KM_ESYS, "read from stdin failed");
		cli_die(&c, &e);
	}
	return cli_close(&c, km_exitcode(f.worst));
}
