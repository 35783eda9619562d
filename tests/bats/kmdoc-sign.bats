load helper
setup() { km_ca_setup; }

# kmdoc-sign: a document signed as a detached CMS signature (CAdES-BES),
# or an e-mail as S/MIME, with a card's card-sign key and certificate;
# openssl cms and openssl smime are the peers that check the result.

USAGE="usage: kmdoc-sign [-a] [-c config] -k key -C cert [-o output] [file]
       kmdoc-sign [-c config] -m -k key -C cert [-o output] [message]"

# signer NAME [pesel]: NAME.key and NAME.crt, a card-sign certificate for
# a new active Resident Card (holder jan@example.pl); its number in
# NAME.card.
signer() {
	local n
	n=$(active "${2:-$(p 1)}") || return 1
	echo "$n" > "$1.card"
	keypair "$1" || return 1
	kmca-sign -p card-sign -n "$n" "$1.csr" > "$1.crt"
}

# The detached DER signature SIG over DOC verifies with openssl.
cms_ok() {
	openssl cms -verify -binary -inform "${3:-DER}" -in "$2" -content "$1" \
	    -CAfile ca/root.crt -purpose any -out /dev/null 2>/dev/null
}

doc() { printf '%%PDF-1.4\nwniosek o dowod\n\000\001binary\r\n' > doc.pdf; }

mail() {
	printf 'From: %s\nTo: urzad@example.pl\nSubject: Wniosek o zaswiadczenie\nDate: Mon, 4 May 2026 10:00:00 +0200\n\nProsze o wydanie zaswiadczenia.\nJan Kowalski\n' "${1:-Jan Kowalski <jan@example.pl>}"
}

@test "kmdoc-sign: a detached DER signature openssl cms verifies" {
	signer x
	doc
	run -0 --separate-stderr sh -c 'kmdoc-sign -k x.key -C x.crt doc.pdf > doc.p7s'
	[ -z "$output" ]
	[ -z "$stderr" ]
	cms_ok doc.pdf doc.p7s
	# detached: the document is not inside
	run -0 openssl cms -cmsout -print -inform DER -in doc.p7s
	[[ "$output" == *"eContent: <ABSENT>"* ]]
}

@test "kmdoc-sign: the signature is CAdES-BES with the issuing certificate in it" {
	signer x
	doc
	kmdoc-sign -k x.key -C x.crt doc.pdf > doc.p7s
	run -0 openssl cms -cmsout -print -inform DER -in doc.p7s
	[[ "$output" == *"id-smime-aa-signingCertificateV2"* ]]
	[[ "$output" == *"signingTime"* ]]
	[[ "$output" == *"sha256"* ]]
	# only the root is trusted: the issuing CA comes from the signature
	run -0 sh -c 'openssl cms -verify -binary -inform DER -in doc.p7s -content doc.pdf -CAfile ca/root.crt -purpose any -certsout certs.pem -out /dev/null'
	grep -q 'Issuing CA' <(openssl crl2pkcs7 -nocrl -certfile certs.pem | openssl pkcs7 -print_certs -noout)
}

@test "kmdoc-sign: a changed document does not verify with openssl" {
	signer x
	doc
	kmdoc-sign -k x.key -C x.crt doc.pdf > doc.p7s
	printf 'x' >> doc.pdf
	! cms_ok doc.pdf doc.p7s
}

@test "kmdoc-sign: the document may come on stdin" {
	signer x
	doc
	run -0 --separate-stderr sh -c 'kmdoc-sign -k x.key -C x.crt < doc.pdf > doc.p7s'
	[ -z "$stderr" ]
	cms_ok doc.pdf doc.p7s
}

@test "kmdoc-sign: an empty document is signed" {
	signer x
	: > empty
	run -0 --separate-stderr sh -c 'kmdoc-sign -k x.key -C x.crt empty > empty.p7s'
	[ -z "$stderr" ]
	cms_ok empty empty.p7s
}

@test "kmdoc-sign: -a writes PEM" {
	signer x
	doc
	run -0 --separate-stderr kmdoc-sign -a -k x.key -C x.crt doc.pdf
	[ -z "$stderr" ]
	[ "${lines[0]}" = "-----BEGIN CMS-----" ]
	[ "${lines[${#lines[@]}-1]}" = "-----END CMS-----" ]
	printf '%s\n' "$output" > doc.pem
	cms_ok doc.pdf doc.pem PEM
}

@test "kmdoc-sign: -o writes the file and nothing on stdout" {
	signer x
	doc
	run -0 --separate-stderr kmdoc-sign -o doc.p7s -k x.key -C x.crt doc.pdf
	[ -z "$output" ]
	[ -z "$stderr" ]
	cms_ok doc.pdf doc.p7s
	[ "$(ls doc.p7s*)" = doc.p7s ]
}

@test "kmdoc-sign: -o leaves an existing file alone when signing is refused" {
	signer x
	keypair y
	doc
	echo old > doc.p7s
	refuses 3 kmdoc-sign -o doc.p7s -k y.key -C x.crt doc.pdf
	[ "$stderr" = "kmdoc-sign: key 'y.key' is not the key of certificate 'x.crt'" ]
	[ "$(cat doc.p7s)" = old ]
	[ "$(ls doc.p7s*)" = doc.p7s ]
}

@test "kmdoc-sign: -o into a directory that does not exist is refused (exit 3)" {
	signer x
	doc
	refuses 3 kmdoc-sign -o nodir/doc.p7s -k x.key -C x.crt doc.pdf
	[ "$stderr" = "kmdoc-sign: cannot write 'nodir/doc.p7s': No such file or directory" ]
}

@test "kmdoc-sign: an audit row doc.sign carries the document's SHA-256" {
	signer x
	doc
	kmdoc-sign -k x.key -C x.crt doc.pdf > doc.p7s
	serial=$(openssl x509 -in x.crt -noout -serial | cut -d= -f2)
	sha=$(sha256sum doc.pdf | cut -d' ' -f1)
	run -0 sqlite3 km.db "SELECT action || '|' || subject || '|' || detail FROM audit ORDER BY seq DESC LIMIT 1"
	[ "$output" = "doc.sign|$serial|sha256=$sha form=cms" ]
}

@test "kmdoc-sign: an encrypted key opens with KM_SIGN_PASSPHRASE" {
	n=$(active)
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes256 \
	    -pass pass:tajne-haslo -out e.key 2>/dev/null
	openssl req -new -key e.key -passin pass:tajne-haslo -subj /CN=e -out e.csr
	kmca-sign -p card-sign -n "$n" e.csr > e.crt
	doc
	run -0 --separate-stderr env KM_SIGN_PASSPHRASE=tajne-haslo sh -c 'kmdoc-sign -k e.key -C e.crt doc.pdf > doc.p7s'
	[ -z "$stderr" ]
	cms_ok doc.pdf doc.p7s
}

@test "kmdoc-sign: an encrypted key with a wrong passphrase is refused (exit 3)" {
	n=$(active)
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes256 \
	    -pass pass:tajne-haslo -out e.key 2>/dev/null
	openssl req -new -key e.key -passin pass:tajne-haslo -subj /CN=e -out e.csr
	kmca-sign -p card-sign -n "$n" e.csr > e.crt
	doc
	refuses 3 env KM_SIGN_PASSPHRASE=zle sh -c 'kmdoc-sign -k e.key -C e.crt doc.pdf'
	[ "$stderr" = "kmdoc-sign: signing key: key 'e.key': wrong passphrase" ]
}

@test "kmdoc-sign: an RSA key signs too" {
	n=$(active)
	keypair r rsa3072
	kmca-sign -p card-sign -n "$n" r.csr > r.crt
	doc
	run -0 --separate-stderr sh -c 'kmdoc-sign -k r.key -C r.crt doc.pdf > doc.p7s'
	[ -z "$stderr" ]
	cms_ok doc.pdf doc.p7s
}

@test "kmdoc-sign: an Entrepreneur Card's key signs" {
	n=$(kmcard-issue -t type=entrepreneur nip=8567346215 regon=192598184 \
	    "company=Łódź Sp. z o.o." pesel=02211307589 first_name=Anna \
	    surname=Nowak "street=Piotrkowska 1" postcode=90-001 city=Łódź \
	    email=anna@lodz.example.pl | cut -f1)
	kmcard-receive "$n" 04000000000099 >/dev/null
	kmcard-activate "$n" >/dev/null
	keypair e
	kmca-sign -p card-sign -n "$n" e.csr > e.crt
	doc
	run -0 --separate-stderr sh -c 'kmdoc-sign -k e.key -C e.crt doc.pdf > doc.p7s'
	[ -z "$stderr" ]
	cms_ok doc.pdf doc.p7s
}

@test "kmdoc-sign: -m signs mail as S/MIME that openssl smime verifies" {
	signer x
	mail > m.eml
	run -0 --separate-stderr sh -c 'kmdoc-sign -m -k x.key -C x.crt m.eml > s.eml'
	[ -z "$output" ]
	[ -z "$stderr" ]
	# the mail system's headers stay on top, as they were
	[ "$(head -4 s.eml)" = "$(head -4 m.eml)" ]
	grep -q '^Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg="sha-256"' s.eml
	run -0 --separate-stderr openssl smime -verify -in s.eml -CAfile ca/root.crt -purpose any
	[ "$stderr" = "Verification successful" ]
	[[ "$output" == *"Prosze o wydanie zaswiadczenia."*"Jan Kowalski"* ]]
	run -0 sqlite3 km.db "SELECT detail FROM audit WHERE action = 'doc.sign'"
	[[ "$output" == *" form=smime" ]]
}

@test "kmdoc-sign: -m reads the message from stdin, -o writes it" {
	signer x
	mail > m.eml
	run -0 --separate-stderr sh -c 'kmdoc-sign -m -o s.eml -k x.key -C x.crt < m.eml'
	[ -z "$output" ]
	[ -z "$stderr" ]
	run -0 --separate-stderr openssl smime -verify -in s.eml -CAfile ca/root.crt -purpose any
	[ "$stderr" = "Verification successful" ]
}

@test "kmdoc-sign: -m with a From address the certificate lacks is refused (exit 3)" {
	signer x
	mail "Anna <anna@example.pl>" > m.eml
	refuses 3 kmdoc-sign -m -k x.key -C x.crt m.eml
	[ "$stderr" = "kmdoc-sign: signer certificate does not carry 'anna@example.pl'" ]
}

@test "kmdoc-sign: -m with no From is refused (exit 3)" {
	signer x
	mail | sed 1d > m.eml
	refuses 3 kmdoc-sign -m -k x.key -C x.crt m.eml
	[ "$stderr" = "kmdoc-sign: message has no From header" ]
}

@test "kmdoc-sign: a key that is not the certificate's is refused (exit 3)" {
	signer x
	keypair y
	doc
	refuses 3 kmdoc-sign -k y.key -C x.crt doc.pdf
	[ "$stderr" = "kmdoc-sign: key 'y.key' is not the key of certificate 'x.crt'" ]
}

@test "kmdoc-sign: a blocked card's certificate signs nothing (exit 3)" {
	signer x
	kmcard-block -r lost "$(cat x.card)" >/dev/null
	serial=$(openssl x509 -in x.crt -noout -serial | cut -d= -f2)
	doc
	refuses 3 kmdoc-sign -k x.key -C x.crt doc.pdf
	[ "$stderr" = "kmdoc-sign: certificate '$serial' is revoked: it signs nothing" ]
}

@test "kmdoc-sign: a suspended card's certificate signs nothing (exit 3)" {
	signer x
	kmcard-suspend "$(cat x.card)" >/dev/null
	serial=$(openssl x509 -in x.crt -noout -serial | cut -d= -f2)
	doc
	refuses 3 kmdoc-sign -k x.key -C x.crt doc.pdf
	[ "$stderr" = "kmdoc-sign: certificate '$serial' is on hold: it signs nothing" ]
}

@test "kmdoc-sign: a certificate of another CA is refused (exit 3)" {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout o.key -subj "/CN=Other/emailAddress=jan@example.pl" -days 30 \
	    -out o.crt 2>/dev/null
	doc
	refuses 3 kmdoc-sign -k o.key -C o.crt doc.pdf
	[ "$stderr" = "kmdoc-sign: certificate 'o.crt' is not one the city CA issued: it signs nothing" ]
}

@test "kmdoc-sign: the CA's own key and certificate sign nothing (exit 3)" {
	doc
	refuses 3 kmdoc-sign -k ca/issuing.key -C ca/issuing.crt doc.pdf
	[ "$stderr" = "kmdoc-sign: certificate 'ca/issuing.crt' has profile 'issuing-ca': only card-sign certificates sign documents" ]
}

@test "kmdoc-sign: a card-auth certificate signs nothing (exit 3)" {
	n=$(active)
	keypair a
	kmca-sign -p card-auth -n "$n" a.csr > a.crt
	doc
	refuses 3 kmdoc-sign -k a.key -C a.crt doc.pdf
	[ "$stderr" = "kmdoc-sign: certificate 'a.crt' has profile 'card-auth': only card-sign certificates sign documents" ]
}

@test "kmdoc-sign: a missing document is bad data (exit 3)" {
	signer x
	refuses 3 kmdoc-sign -k x.key -C x.crt nosuch.pdf
	[ "$stderr" = "kmdoc-sign: cannot read 'nosuch.pdf': No such file or directory" ]
}

@test "kmdoc-sign: a certificate file that is not one is bad data (exit 3)" {
	signer x
	doc
	refuses 3 kmdoc-sign -k x.key -C x.key doc.pdf
	[ "$stderr" = "kmdoc-sign: certificate 'x.key': not a certificate: no start line" ]
}

@test "kmdoc-sign: an auditor may not sign (exit 3)" {
	signer x
	doc
	KM_EXTRA=$KM_CA_YAML km_config auditor device
	refuses 3 kmdoc-sign -k x.key -C x.crt doc.pdf
	[[ "$stderr" == "kmdoc-sign: permission denied for user '$(id -un)': needs the role "* ]]
	[ "${#stderr_lines[@]}" -eq 1 ]
}

@test "kmdoc-sign: a failing write to stdout is a system error (exit 5)" {
	signer x
	doc
	refuses 5 sh -c 'kmdoc-sign -k x.key -C x.crt doc.pdf > /dev/full'
	[[ "$stderr" == "kmdoc-sign: cannot write the signature: No space left on device" ]]
}

@test "kmdoc-sign: -k and -C are required" {
	run -2 --separate-stderr kmdoc-sign -k x.key doc.pdf
	[ -z "$output" ]
	[ "$stderr" = "$USAGE" ]
	run -2 --separate-stderr kmdoc-sign -C x.crt doc.pdf
	[ -z "$output" ]
	[ "$stderr" = "$USAGE" ]
}

@test "kmdoc-sign: -m and -a together are a usage error" {
	run -2 --separate-stderr kmdoc-sign -m -a -k x.key -C x.crt m.eml
	[ -z "$output" ]
	[ "$stderr" = "$USAGE" ]
}

@test "kmdoc-sign: two operands are a usage error" {
	run -2 --separate-stderr kmdoc-sign -k x.key -C x.crt a b
	[ -z "$output" ]
	[ "$stderr" = "$USAGE" ]
}

@test "kmdoc-sign: unknown option is a usage error" {
	run -2 --separate-stderr kmdoc-sign -x
	[ -z "$output" ]
	[ "${stderr_lines[0]}" = "kmdoc-sign: invalid option -- 'x'" ]
	[ "$stderr" = "kmdoc-sign: invalid option -- 'x'
$USAGE" ]
}

@test "kmdoc-sign: -h prints usage on stdout" {
	run -0 --separate-stderr kmdoc-sign -h
	[ "$output" = "$USAGE" ]
	[ -z "$stderr" ]
}
