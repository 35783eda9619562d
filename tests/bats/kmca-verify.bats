load helper
setup() { km_ca_setup; }

# kmca-verify: a detached signature or a signed S/MIME message checked
# against the city CA and the store: whose card and holder signed, and
# whether the certificate is still good.  Signatures come from kmdoc-sign
# and, for a foreign signer, from openssl cms.

USAGE="usage: kmca-verify [-jt] [-c config] file signature
       kmca-verify [-jt] [-c config] -m [message]"

# signed [pesel]: a Resident Card's card-sign key x.key and x.crt, doc.pdf
# signed into doc.p7s; the card's number in $n, the serial in $serial.
signed() {
	n=$(active "${1:-$(p 1)}") || return 1
	keypair x || return 1
	kmca-sign -p card-sign -n "$n" x.csr > x.crt || return 1
	serial=$(openssl x509 -in x.crt -noout -serial | cut -d= -f2)
	not_after=$(date -u -d "$(openssl x509 -in x.crt -noout -enddate | cut -d= -f2)" +%Y-%m-%dT%H:%M:%SZ)
	printf '%%PDF-1.4\numowa najmu\n' > doc.pdf
	kmdoc-sign -k x.key -C x.crt doc.pdf > doc.p7s
}

SUBJ_JAN='serialNumber=%s,CN=Jan Kowalski,SN=Kowalski,GN=Jan,C=PL'

# human VALID STATUS REASON CARD_STATE: the human output for Jan's card.
human() {
	printf 'valid       %s\nserial      %s\nstatus      %s\n' "$1" "$serial" "$2"
	if [ -n "$3" ]; then printf 'reason      %s\n' "$3"; fi
	printf 'profile     card-sign\ncard        %s\ncard_state  %s\n' "$n" "$4"
	printf 'holder      Jan Kowalski\nemail       jan@example.pl\n'
	printf 'not_after   %s\nsubject     %s\n' "$not_after" "$(printf "$SUBJ_JAN" "$n")"
}

@test "kmca-verify: a good signature by a Resident Card" {
	signed
	before=$(dump)
	run -0 --separate-stderr kmca-verify doc.pdf doc.p7s
	[ "$output" = "$(human yes good '' active)" ]
	[ -z "$stderr" ]
	[ "$(dump)" = "$before" ]
}

@test "kmca-verify: -t prints the fields tab-separated" {
	signed
	run -0 --separate-stderr kmca-verify -t doc.pdf doc.p7s
	[ "$output" = "$(printf '1\t%s\tgood\t\tcard-sign\t%s\tactive\tJan Kowalski\t\tjan@example.pl\t%s\t'"$SUBJ_JAN" "$serial" "$n" "$not_after" "$n")" ]
	[ -z "$stderr" ]
}

@test "kmca-verify: -j prints one JSON object" {
	signed
	run -0 --separate-stderr kmca-verify -j doc.pdf doc.p7s
	[ -z "$stderr" ]
	all_json
	[ "$(jq -c '[.valid, .serial, .status, .reason, .card, .holder, .company, .email]' <<<"$output")" = "[true,\"$serial\",\"good\",null,\"$n\",\"Jan Kowalski\",null,\"jan@example.pl\"]" ]
}

@test "kmca-verify: an Entrepreneur Card's signature names the company" {
	n=$(kmcard-issue -t type=entrepreneur nip=8567346215 regon=192598184 \
	    "company=Łódź Sp. z o.o." pesel=02211307589 first_name=Anna \
	    surname=Nowak "street=Piotrkowska 1" postcode=90-001 city=Łódź \
	    email=anna@lodz.example.pl | cut -f1)
	kmcard-receive "$n" 04000000000099 >/dev/null
	kmcard-activate "$n" >/dev/null
	keypair e
	kmca-sign -p card-sign -n "$n" e.csr > e.crt
	echo faktura > doc.pdf
	kmdoc-sign -k e.key -C e.crt doc.pdf > doc.p7s
	run -0 --separate-stderr kmca-verify doc.pdf doc.p7s
	[ -z "$stderr" ]
	[ "${lines[0]}" = "valid       yes" ]
	[[ "$output" == *"
card        $n
card_state  active
holder      Anna Nowak
company     Łódź Sp. z o.o.
email       anna@lodz.example.pl
"* ]]
	run -0 --separate-stderr kmca-verify -j doc.pdf doc.p7s
	[ "$(jq -r .company <<<"$output")" = "Łódź Sp. z o.o." ]
}

@test "kmca-verify: a PEM signature (kmdoc-sign -a) is recognised" {
	signed
	kmdoc-sign -a -k x.key -C x.crt doc.pdf > doc.pem
	run -0 --separate-stderr kmca-verify doc.pdf doc.pem
	[ "$output" = "$(human yes good '' active)" ]
	[ -z "$stderr" ]
}

@test "kmca-verify: the document may come on stdin" {
	signed
	run -0 --separate-stderr sh -c 'kmca-verify -t - doc.p7s < doc.pdf'
	[ "${output%%	*}" = 1 ]
	[ -z "$stderr" ]
}

@test "kmca-verify: a changed document does not verify (exit 1)" {
	signed
	printf 'umowa najmu, czynsz 1 zl\n' >> doc.pdf
	refuses 1 kmca-verify doc.pdf doc.p7s
	[ "$stderr" = "kmca-verify: signature does not verify: content does not match" ]
}

@test "kmca-verify: a suspended card's signature is on hold (exit 1)" {
	signed
	kmcard-suspend "$n" >/dev/null
	run -1 --separate-stderr kmca-verify doc.pdf doc.p7s
	[ "$output" = "$(human no hold certificateHold suspended)" ]
	[[ "$stderr" == "kmca-verify: signer's certificate '$serial' is on hold since "* ]]
	[ "${#stderr_lines[@]}" -eq 1 ]
	kmcard-resume "$n" >/dev/null
	run -0 --separate-stderr kmca-verify doc.pdf doc.p7s
	[ "$output" = "$(human yes good '' active)" ]
	[ -z "$stderr" ]
}

@test "kmca-verify: a blocked card's signature is revoked (exit 1)" {
	signed
	kmcard-block -r stolen "$n" >/dev/null
	run -1 --separate-stderr kmca-verify doc.pdf doc.p7s
	[ "$output" = "$(human no revoked keyCompromise blocked)" ]
	[[ "$stderr" == "kmca-verify: signer's certificate '$serial' is revoked (keyCompromise) since "* ]]
	[ "${#stderr_lines[@]}" -eq 1 ]
}

@test "kmca-verify: a signature by another CA's certificate does not verify (exit 1)" {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout o.key -subj /CN=Other -days 30 -out o.crt 2>/dev/null
	echo umowa > doc.pdf
	openssl cms -sign -binary -md sha256 -in doc.pdf -signer o.crt \
	    -inkey o.key -outform DER -out doc.p7s
	refuses 1 kmca-verify doc.pdf doc.p7s
	[ "$stderr" = "kmca-verify: signer certificate does not verify: self-signed certificate" ]
}

# The signature carries the signer's certificate alone, not the issuing
# CA's (OpenSSL 3.0 builds the chain from the signature's certificates).
@test "kmca-verify: a certificate of our CA the store does not know (exit 1)" {
	keypair x
	printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,nonRepudiation\n' > ext
	openssl x509 -req -in x.csr -CA ca/issuing.crt -CAkey ca/issuing.key \
	    -passin file:ca.pass -set_serial 12345 -days 30 -extfile ext \
	    -out x.crt 2>/dev/null
	echo umowa > doc.pdf
	openssl cms -sign -binary -md sha256 -in doc.pdf -signer x.crt \
	    -inkey x.key -outform DER -out doc.p7s
	run -1 --separate-stderr kmca-verify -t doc.pdf doc.p7s
	[[ "$output" == "0	3039	unknown	"* ]]
	[ "$stderr" = "kmca-verify: signer's certificate '3039' is not in the store" ]
}

@test "kmca-verify: a signature by a certificate not of card-sign does not verify (exit 1)" {
	# The OCSP responder's key and certificate, made by kmca-init, are
	# the city CA's, good and in the store, but sign no documents.
	printf 'a document\n' > doc.txt
	openssl cms -sign -binary -outform DER -in doc.txt -signer ca/ocsp.crt \
	    -inkey ca/ocsp.key -passin file:ca.pass -out doc.p7s
	serial=$(openssl x509 -in ca/ocsp.crt -noout -serial | cut -d= -f2)
	run -1 --separate-stderr kmca-verify -t doc.txt doc.p7s
	[ "$(cut -f1-5 <<<"$output")" = "$(printf '0\t%s\tgood\t\tocsp' "$serial")" ]
	[ "$stderr" = "kmca-verify: signer's certificate '$serial' has profile 'ocsp': only card-sign certificates sign documents" ]
}

@test "kmca-verify: a file that is not a signature is bad data (exit 3)" {
	signed
	run -3 --separate-stderr kmca-verify doc.pdf doc.pdf
	[ -z "$output" ]
	[ "$stderr" = "kmca-verify: not a CMS signature" ]
}

@test "kmca-verify: a missing file is bad data (exit 3)" {
	signed
	run -3 --separate-stderr kmca-verify doc.pdf nosuch.p7s
	[ -z "$output" ]
	[ "$stderr" = "kmca-verify: cannot read 'nosuch.p7s': No such file or directory" ]
}

@test "kmca-verify: -m checks a signed message" {
	n=$(active)
	keypair x
	kmca-sign -p card-sign -n "$n" x.csr > x.crt
	printf 'From: jan@example.pl\nTo: urzad@example.pl\nSubject: Skarga\n\nTresc.\n' |
	    kmdoc-sign -m -k x.key -C x.crt > s.eml
	run -0 --separate-stderr kmca-verify -t -m s.eml
	[[ "$output" == "1	"*"	good	"*"	$n	active	Jan Kowalski	"* ]]
	[ -z "$stderr" ]
}

@test "kmca-verify: -m reads the message from stdin" {
	n=$(active)
	keypair x
	kmca-sign -p card-sign -n "$n" x.csr > x.crt
	printf 'From: jan@example.pl\nTo: urzad@example.pl\nSubject: Skarga\n\nTresc.\n' |
	    kmdoc-sign -m -k x.key -C x.crt > s.eml
	run -0 --separate-stderr sh -c 'kmca-verify -j -m < s.eml'
	[ "$(jq -r '.valid, .card' <<<"$output")" = "true
$n" ]
	[ -z "$stderr" ]
}

@test "kmca-verify: -m with a changed body does not verify (exit 1)" {
	n=$(active)
	keypair x
	kmca-sign -p card-sign -n "$n" x.csr > x.crt
	printf 'From: jan@example.pl\nTo: urzad@example.pl\nSubject: Skarga\n\nTresc.\n' |
	    kmdoc-sign -m -k x.key -C x.crt | sed 's/^Tresc\./Inna tresc./' > s.eml
	run -1 --separate-stderr kmca-verify -m s.eml
	[ -z "$output" ]
	[ "$stderr" = "kmca-verify: signature does not verify: content does not match" ]
}

@test "kmca-verify: -m on a message that is not signed is bad data (exit 3)" {
	printf 'From: jan@example.pl\nSubject: x\n\nbody\n' > m.eml
	run -3 --separate-stderr kmca-verify -m m.eml
	[ -z "$output" ]
	[ "$stderr" = "kmca-verify: not a S/MIME signature" ] ||
	    [ "$stderr" = "kmca-verify: not an S/MIME signature" ]
}

@test "kmca-verify: any role may verify" {
	signed
	KM_EXTRA=$KM_CA_YAML km_config auditor
	run -0 --separate-stderr kmca-verify -t doc.pdf doc.p7s
	[ "${output%%	*}" = 1 ]
	[ -z "$stderr" ]
}

@test "kmca-verify: one operand without -m is a usage error" {
	run -2 --separate-stderr kmca-verify doc.pdf
	[ -z "$output" ]
	[ "$stderr" = "$USAGE" ]
}

@test "kmca-verify: two operands with -m are a usage error" {
	run -2 --separate-stderr kmca-verify -m a.eml b.eml
	[ -z "$output" ]
	[ "$stderr" = "$USAGE" ]
}

@test "kmca-verify: unknown option is a usage error" {
	run -2 --separate-stderr kmca-verify -x a b
	[ -z "$output" ]
	[ "$stderr" = "kmca-verify: invalid option -- 'x'
$USAGE" ]
}

@test "kmca-verify: -h prints usage on stdout" {
	run -0 --separate-stderr kmca-verify -h
	[ "$output" = "$USAGE" ]
	[ -z "$stderr" ]
}
