/*
 * t-cms.c -- document and e-mail signatures against the openssl command:
 * detached CAdES signatures (DER and PEM) checked by `openssl cms
 * -verify`, S/MIME messages checked by `openssl smime -verify`, and
 * km_cms_verify() on ours and on openssl's, tampered, under the wrong
 * anchor and on things that are no signature.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "km.h"
#include "tap.h"

#define T_NAME "t-cms"
#define T_OUTMAX 65536
#include "sh.h"

struct ent {
	struct km_key	*k;
	struct km_cert	*c;
	char		 serial[KM_SERIALSZ];
};

static int
has(const char *s)
{
	return strstr(output(), s) != NULL;
}

/* Makes e: a key and a certificate named cn (with email, if not NULL,
 * as its rfc822Name) issued by is (NULL: self-signed), written as PEM
 * to file. */
static int
mkcert(struct ent *e, const char *cn, const char *email, struct ent *is,
    int ca, unsigned ku, unsigned eku, const char *file)
{
	struct km_certreq r;
	struct km_err err;
	time_t now = time(NULL);
	char *pem;
	int rc;

	memset(&r, 0, sizeof(r));
	if (km_key_generate(&e->k, KM_KEY_EC256, &err) == -1)
		goto fail;
	r.key = e->k;
	r.subject[0].attr = "C";
	r.subject[0].value = "PL";
	r.subject[1].attr = "O";
	r.subject[1].value = "Miasto";
	r.subject[2].attr = "CN";
	r.subject[2].value = cn;
	r.nsubject = 3;
	r.email = email;
	r.seriallen = 16;
	r.not_before = now - 3600;
	r.not_after = now + 30 * 86400;
	r.ku = ku;
	r.eku = eku;
	r.ca = ca;
	r.pathlen = -1;
	if (km_serial_random(r.serial, r.seriallen, e->serial, &err) == -1 ||
	    km_cert_make(&r, is != NULL ? is->k : e->k, is != NULL ? is->c :
	    NULL, &e->c, &err) == -1 || km_cert_pem(e->c, &pem, &err) == -1)
		goto fail;
	rc = writefile(file, pem, strlen(pem));
	free(pem);
	return rc;
fail:
	printf("# %s: %s\n", cn, err.msg);
	return -1;
}

static struct ent root, ca, leaf, leaf2, other;

#define ADDR "jan.kowalski@um.example.pl"

static int
setup(void)
{
	unsigned char doc[70000];
	size_t i;

	/* The signers are card certificates: no emailProtection EKU. */
	if (mkcert(&root, "Root CA", NULL, NULL, 1, KM_KU_KEY_CERT_SIGN |
	    KM_KU_CRL_SIGN, 0, "root.pem") == -1 ||
	    mkcert(&ca, "Issuing CA", NULL, &root, 1, KM_KU_KEY_CERT_SIGN |
	    KM_KU_CRL_SIGN, 0, "issuing.pem") == -1 ||
	    mkcert(&leaf, "Jan Kowalski", ADDR, &ca, 0,
	    KM_KU_DIGITAL_SIGNATURE | KM_KU_NON_REPUDIATION,
	    KM_EKU_CLIENT_AUTH, "leaf.pem") == -1 ||
	    mkcert(&leaf2, "Anna Nowak", "anna.nowak@um.example.pl", &ca, 0,
	    KM_KU_DIGITAL_SIGNATURE, 0, "leaf2.pem") == -1 ||
	    mkcert(&other, "Other Root", NULL, NULL, 1, KM_KU_KEY_CERT_SIGN,
	    0, "other.pem") == -1)
		return -1;
	/* A document with NULs, CRs and bare LFs: signed as bytes. */
	for (i = 0; i < sizeof(doc); i++)
		doc[i] = "uchwala\r\n\0x\n"[i % 13];
	if (writefile("doc.bin", doc, sizeof(doc)) == -1)
		return -1;
	return run("cat root.pem issuing.pem >chain.pem");
}

/* Signs file in into file out as form with k and signer, issuing.pem in
 * the chain; 0 or -1 (err says why). */
static int
sign(struct ent *k, struct ent *signer, const char *in, const char *out,
    enum km_cms_form form, struct km_err *e)
{
	FILE *fi, *fo;
	int rc;

	if ((fi = fopen(P(in), "r")) == NULL)
		return km_errf(e, KM_ESYS, "%s: cannot open", in);
	if ((fo = fopen(P(out), "w")) == NULL) {
		fclose(fi);
		return km_errf(e, KM_ESYS, "%s: cannot open", out);
	}
	rc = km_cms_sign(k->k, signer->c, &ca.c, 1, fi, fo, form, e);
	fclose(fi);
	if (fclose(fo) == EOF)
		rc = -1;
	return rc;
}

/* km_cms_verify() of file sig (over file data, or NULL) with anchor;
 * serial gets the signer's serial. */
static int
verify(const char *sig, const char *data, enum km_cms_form form,
    struct ent *anchor, char serial[KM_SERIALSZ], struct km_err *e)
{
	struct km_certinfo ci;
	struct km_cert *signer = NULL;
	FILE *fs, *fd = NULL;
	int rc;

	serial[0] = '\0';
	if ((fs = fopen(P(sig), "r")) == NULL)
		return km_errf(e, KM_ESYS, "%s: cannot open", sig);
	if (data != NULL && (fd = fopen(P(data), "r")) == NULL) {
		fclose(fs);
		return km_errf(e, KM_ESYS, "%s: cannot open", data);
	}
	rc = km_cms_verify(fs, fd, form, &anchor->c, 1, NULL, 0, &signer, e);
	fclose(fs);
	if (fd != NULL)
		fclose(fd);
	if (rc == 0 && km_cert_info(signer, &ci, e) == 0)
		memcpy(serial, ci.serial, KM_SERIALSZ);
	km_cert_free(signer);
	return rc;
}

static void
test_detached(void)
{
	char serial[KM_SERIALSZ];
	struct km_err e;
	int rc;

	is(sign(&leaf, &leaf, "doc.bin", "sig.der", KM_CMS_DER, &e), 0,
	    "detached DER signature");
	is(run("openssl cms -verify -binary -inform DER -in sig.der -content "
	    "doc.bin -CAfile root.pem -purpose any -out /dev/null"), 0,
	    "openssl cms -verify (root anchor, issuing CA in the signature)");
	ok(has("Verification successful"), "Verification successful");
	is(run("openssl cms -verify -binary -inform DER -in sig.der -content "
	    "doc.bin -CAfile chain.pem -purpose any -out /dev/null"), 0,
	    "openssl cms -verify -CAfile chain.pem");
	is(run("openssl cms -verify -binary -inform DER -in sig.der -content "
	    "doc.bin -CAfile chain.pem -out /dev/null"), 4,
	    "openssl cms -verify without -purpose any fails");
	ok(has("unsuitable certificate purpose"),
	    "the card certificate lacks emailProtection");
	is(run("openssl cms -verify -binary -inform DER -in sig.der -content "
	    "doc.bin -CAfile chain.pem -cades -purpose any -out /dev/null"),
	    0, "openssl cms -verify -cades");
	is(run("openssl cms -cmsout -print -inform DER -in sig.der"), 0,
	    "openssl cms -cmsout -print");
	ok(has("signingCertificateV2"), "signingCertificateV2 attribute");
	ok(!has("id-smime-aa-signingCertificate "),
	    "not the SHA-1 signingCertificate");
	ok(has("algorithm: sha256"), "SHA-256");
	ok(has("signingTime") && has("messageDigest"), "signed attributes");
	ok(has("eContent: <ABSENT>"), "detached");
	ok(has("CN=Issuing CA") || has("CN = Issuing CA"),
	    "the chain is included");

	is(verify("sig.der", "doc.bin", KM_CMS_DER, &root, serial, &e), 0,
	    "km_cms_verify DER");
	is_str(serial, leaf.serial, "the signer's serial");

	is(sign(&leaf, &leaf, "doc.bin", "sig.pem", KM_CMS_PEM, &e), 0,
	    "detached PEM signature");
	is(run("head -1 sig.pem"), 0, "sig.pem");
	ok(has("-----BEGIN CMS-----"), "PEM CMS");
	is(run("openssl cms -verify -binary -inform PEM -in sig.pem -content "
	    "doc.bin -CAfile chain.pem -purpose any -out /dev/null"), 0,
	    "openssl cms -verify PEM");
	ok(has("Verification successful"), "Verification successful");
	is(verify("sig.pem", "doc.bin", KM_CMS_PEM, &root, serial, &e), 0,
	    "km_cms_verify PEM");
	is_str(serial, leaf.serial, "PEM: the signer's serial");

	run("cp doc.bin bad.bin && printf x >>bad.bin");
	rc = verify("sig.der", "bad.bin", KM_CMS_DER, &root, serial, &e);
	is(rc, 1, "tampered document: 1");
	ok(e.eclass == KM_ENOTFOUND, "tampered: KM_ENOTFOUND: %s", e.msg);
	rc = verify("sig.der", "doc.bin", KM_CMS_DER, &other, serial, &e);
	is(rc, 1, "wrong anchor: 1");
	ok(e.eclass == KM_ENOTFOUND &&
	    strstr(e.msg, "unable to get local issuer certificate") != NULL,
	    "wrong anchor: %s", e.msg);
	is(verify("doc.bin", "doc.bin", KM_CMS_DER, &root, serial, &e), -1,
	    "not a signature: -1");
	ok(e.eclass == KM_EDATA, "not a signature: KM_EDATA: %s", e.msg);
	is(verify("sig.der", "doc.bin", KM_CMS_PEM, &root, serial, &e), -1,
	    "DER read as PEM: -1");
	is(e.eclass, KM_EDATA, "DER read as PEM: KM_EDATA");
	run("cp sig.der trail.der && printf x >>trail.der");
	is(verify("trail.der", "doc.bin", KM_CMS_DER, &root, serial, &e), -1,
	    "bytes after the signature: -1");
	is(e.eclass, KM_EDATA, "bytes after the signature: KM_EDATA");
	run("head -c 11000000 /dev/zero >big.der");
	is(verify("big.der", "doc.bin", KM_CMS_DER, &root, serial, &e), -1,
	    "over 10 MiB: -1");
	ok(e.eclass == KM_EDATA, "over 10 MiB: %s", e.msg);

	is(sign(&leaf2, &leaf, "doc.bin", "x.der", KM_CMS_DER, &e), -1,
	    "another key than the signer's");
	is(e.eclass, KM_EDATA, "wrong key: KM_EDATA");

	/* openssl's own signature, without CAdES, verifies too. */
	is(km_key_write(leaf.k, P("leaf.key"), "passphrase", &e), 0,
	    "leaf key written");
	is(run("openssl cms -sign -binary -in doc.bin -signer leaf.pem "
	    "-inkey leaf.key -passin pass:passphrase -certfile issuing.pem "
	    "-outform DER -out osig.der"), 0, "openssl cms -sign");
	is(verify("osig.der", "doc.bin", KM_CMS_DER, &root, serial, &e), 0,
	    "km_cms_verify of openssl's signature");
	is_str(serial, leaf.serial, "openssl's: the signer's serial");
	is(run("openssl cms -sign -binary -nodetach -in doc.bin -signer "
	    "leaf.pem -inkey leaf.key -passin pass:passphrase -outform DER "
	    "-out attached.der"), 0, "openssl cms -sign -nodetach");
	is(verify("attached.der", "doc.bin", KM_CMS_DER, &root, serial, &e),
	    -1, "an attached signature is refused");
	is(e.eclass, KM_EDATA, "attached: KM_EDATA");
}

static const char mail[] =
    "From: Jan Kowalski <" ADDR ">\n"
    "To: rada@um.example.pl\n"
    "Subject: Uchwala nr 12\n"
    "\tw sprawie biletow\n"
    "Date: Mon, 1 Jun 2026 10:00:00 +0200\n"
    "Message-ID: <1@um.example.pl>\n"
    "\n"
    "Dzie\xc5\x84 dobry,\n"
    "w za\xc5\x82\xc4\x85\x63zniku uchwa\xc5\x82\x61.\n"
    "\n"
    "-- \n"
    "Jan\n";

/* The line number of the first line of file that begins with s. */
static int
lineof(const char *file, const char *s)
{
	if (run("grep -n -m1 '^%s' %s | cut -d: -f1", s, file) != 0)
		return -1;
	return atoi(output());
}

static void
test_smime(void)
{
	char serial[KM_SERIALSZ];
	struct km_err e;
	int rc;

	ok(writefile("mail.eml", mail, sizeof(mail) - 1) == 0, "mail.eml");
	if (!ok(sign(&leaf, &leaf, "mail.eml", "signed.eml", KM_CMS_SMIME,
	    &e) == 0, "S/MIME signed"))
		printf("# %s\n", e.msg);
	is(run("openssl smime -verify -in signed.eml -CAfile chain.pem "
	    "-purpose any"), 0, "openssl smime -verify");
	ok(has("Verification successful"), "Verification successful");
	ok(has("Dzie\xc5\x84 dobry,"), "the body printed");
	ok(has("Content-Type: text/plain; charset=utf-8"),
	    "text/plain UTF-8 signed with it");
	is(run("openssl smime -verify -in signed.eml -CAfile root.pem "
	    "-purpose any -out /dev/null"), 0, "with the root as the anchor");
	ok(lineof("signed.eml", "From: ") == 1, "From: first");
	ok(lineof("signed.eml", "Subject: ") > 0 &&
	    lineof("signed.eml", "Subject: ") <
	    lineof("signed.eml", "Content-Type: multipart/signed"),
	    "Subject: before the multipart/signed Content-Type");
	ok(lineof("signed.eml", "\tw sprawie") ==
	    lineof("signed.eml", "Subject: ") + 1, "the folded line kept");
	is(run("grep -c '^MIME-Version' signed.eml"), 0, "MIME-Version");
	ok(atoi(output()) == 1, "one MIME-Version");
	is(run("grep -c \"$(printf 'charset=utf-8\\r$')\" signed.eml"), 0,
	    "the signed part has CRLF");
	ok(has("1"), "the signed part has CRLF");

	is(verify("signed.eml", NULL, KM_CMS_SMIME, &root, serial, &e), 0,
	    "km_cms_verify S/MIME");
	is_str(serial, leaf.serial, "S/MIME: the signer's serial");
	run("sed 's/dobry/zly/' signed.eml >bad.eml");
	rc = verify("bad.eml", NULL, KM_CMS_SMIME, &root, serial, &e);
	is(rc, 1, "tampered body: 1");
	ok(e.eclass == KM_ENOTFOUND, "tampered body: %s", e.msg);
	rc = verify("signed.eml", NULL, KM_CMS_SMIME, &other, serial, &e);
	is(rc, 1, "S/MIME wrong anchor: 1");
	is(verify("mail.eml", NULL, KM_CMS_SMIME, &root, serial, &e), -1,
	    "unsigned mail: -1");
	is(e.eclass, KM_EDATA, "unsigned mail: KM_EDATA");
	is(run("openssl smime -sign -in mail.eml -signer leaf.pem -certfile "
	    "issuing.pem -inkey leaf.key -passin pass:passphrase "
	    "-out osigned.eml"), 0, "openssl smime -sign");
	if (!ok(verify("osigned.eml", NULL, KM_CMS_SMIME, &root, serial,
	    &e) == 0, "km_cms_verify of openssl's S/MIME"))
		printf("# %s\n", e.msg);

	/* CRLF mail in, and a From with a quoted comma. */
	run("printf 'From: \"Kowalski, Jan\" <" ADDR ">\\r\\n"
	    "Subject: crlf\\r\\n\\r\\nline 1\\r\\nline 2\\r\\n' >crlf.eml");
	is(sign(&leaf, &leaf, "crlf.eml", "scrlf.eml", KM_CMS_SMIME, &e), 0,
	    "CRLF mail, quoted display name");
	is(run("openssl smime -verify -in scrlf.eml -CAfile chain.pem "
	    "-purpose any"), 0, "openssl smime -verify");
	ok(has("line 2"), "the body");

	run("printf 'From: Anna <anna@um.example.pl>\\nSubject: x\\n\\nx\\n'"
	    " >anna.eml");
	is(sign(&leaf, &leaf, "anna.eml", "x.eml", KM_CMS_SMIME, &e), -1,
	    "another From: refused");
	ok(e.eclass == KM_EDATA && strcmp(e.msg, "signer certificate does "
	    "not carry 'anna@um.example.pl'") == 0, "%s", e.msg);
	run("printf 'From: " ADDR ", anna@um.example.pl\\n\\nx\\n' >two.eml");
	is(sign(&leaf, &leaf, "two.eml", "x.eml", KM_CMS_SMIME, &e), -1,
	    "two mailboxes refused");
	is(e.eclass, KM_EDATA, "two mailboxes: KM_EDATA");
	run("printf 'To: " ADDR "\\n\\nx\\n' >nofrom.eml");
	is(sign(&leaf, &leaf, "nofrom.eml", "x.eml", KM_CMS_SMIME, &e), -1,
	    "no From refused");
	is(e.eclass, KM_EDATA, "no From: KM_EDATA");
	run("printf 'From " ADDR " Mon Jun  1 10:00:00 2026\\n\\nx\\n' "
	    ">mbox.eml");
	is(sign(&leaf, &leaf, "mbox.eml", "x.eml", KM_CMS_SMIME, &e), -1,
	    "an mbox From_ line refused");
	is(e.eclass, KM_EDATA, "From_ line: KM_EDATA");
	run("printf 'from: " ADDR " (Jan)\\nsubject: bare\\n\\nx\\n' "
	    ">bare.eml");
	is(sign(&leaf, &leaf, "bare.eml", "sbare.eml", KM_CMS_SMIME, &e), 0,
	    "bare address with a comment, lower-case names");

	run("printf 'From: <" ADDR ">\\nSubject: html\\nMIME-Version: 1.0\\n"
	    "Content-Type: text/html; charset=utf-8\\n"
	    "Content-Transfer-Encoding: 8bit\\n\\n<p>hej</p>\\n' >html.eml");
	is(sign(&leaf, &leaf, "html.eml", "shtml.eml", KM_CMS_SMIME, &e), 0,
	    "HTML mail signed");
	is(run("openssl smime -verify -in shtml.eml -CAfile chain.pem "
	    "-purpose any"), 0, "openssl smime -verify");
	ok(has("Content-Type: text/html; charset=utf-8") &&
	    has("Content-Transfer-Encoding: 8bit") && !has("text/plain"),
	    "the signed part keeps text/html");
	ok(has("<p>hej</p>"), "the HTML body");
	ok(lineof("shtml.eml", "Content-Type: text/html") >
	    lineof("shtml.eml", "Content-Type: multipart/signed"),
	    "text/html only inside");
}

int
main(void)
{
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	if (ok(setup() == 0, "a CA, two signers, another root")) {
		test_detached();
		test_smime();
	}

	km_key_free(root.k);
	km_key_free(ca.k);
	km_key_free(leaf.k);
	km_key_free(leaf2.k);
	km_key_free(other.k);
	km_cert_free(root.c);
	km_cert_free(ca.c);
	km_cert_free(leaf.c);
	km_cert_free(leaf2.c);
	km_cert_free(other.c);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (getenv("T_KEEP") == NULL && system(cmd) != 0)
		printf("# cannot remove %s\n", dir);
	return done();
}
