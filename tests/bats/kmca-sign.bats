load helper
setup() { km_ca_setup; }

# kmca-sign: issues certificates by profile for cards' keys (a CSR or a
# bare public key), one at a time or in a batch, and for the responder
# and the hotlist signer.

UNKNOWN=9001001000009991	# valid Luhn, never issued
USAGE="usage: kmca-sign [-jkt] [-c config] -p profile [-n card | -s name] [-o dir] [request]
       kmca-sign [-jkt] [-c config] -p profile [-o dir] -b
       kmca-sign [-jkt] [-c config] -p profile [-o dir] -d dir"

# verify CERT: openssl accepts CERT under the root and the issuing CA.
verify() {
	run -0 openssl verify -x509_strict -CAfile ca/root.crt \
	    -untrusted ca/issuing.crt "$1"
	[ "$output" = "$1: OK" ]
}

serial_of() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }
certs() { sqlite3 km.db "SELECT count(*) FROM cert"; }

# refused WHAT ARGS...: kmca-sign ARGS is refused with exit 3, the store
# unchanged and stdout empty; the message is left in $stderr.
refused() {
	local st=$1
	shift
	refuses "$st" kmca-sign "$@"
}

@test "kmca-sign: a CSR for an active card gives a certificate openssl accepts" {
	n=$(active)
	keypair a
	run -0 --separate-stderr kmca-sign -p card-auth -n "$n" a.csr
	[ -z "$stderr" ]
	[ "${lines[0]}" = "-----BEGIN CERTIFICATE-----" ]
	[ "${lines[-1]}" = "-----END CERTIFICATE-----" ]
	printf '%s\n' "$output" > a.crt
	verify a.crt
	# The certificate is for the key of the request.
	[ "$(openssl x509 -in a.crt -noout -pubkey)" = "$(cat a.pub)" ]
	run -0 openssl x509 -in a.crt -noout -subject -nameopt RFC2253
	[ "$output" = "subject=serialNumber=$n,CN=Jan Kowalski,SN=Kowalski,GN=Jan,C=PL" ]
	run -0 openssl x509 -in a.crt -noout -issuer -nameopt RFC2253
	[ "$output" = "issuer=CN=Gmina Testowo Issuing CA,O=Gmina Testowo,C=PL" ]
}

@test "kmca-sign: a card in ordered state gets a certificate too" {
	n=$(in_state ordered)
	keypair a
	run -0 --separate-stderr kmca-sign -p card-auth -n "$n" a.csr
	[ -z "$stderr" ]
	printf '%s\n' "$output" > a.crt
	verify a.crt
}

@test "kmca-sign: card-auth has clientAuth, CRL DP and OCSP URL of the config" {
	n=$(active)
	keypair a
	kmca-sign -p card-auth -n "$n" a.csr > a.crt
	run -0 openssl x509 -in a.crt -noout -ext basicConstraints,keyUsage,extendedKeyUsage,crlDistributionPoints,authorityInfoAccess
	[ "$output" = "X509v3 Basic Constraints: critical
    CA:FALSE
X509v3 Key Usage: critical
    Digital Signature
X509v3 Extended Key Usage: 
    TLS Web Client Authentication
X509v3 CRL Distribution Points: 
    Full Name:
      URI:http://pki.example.pl/issuing.crl
Authority Information Access: 
    OCSP - URI:http://pki.example.pl/ocsp" ]
	run -0 openssl x509 -in a.crt -noout -text
	[[ "$output" != *"Subject Alternative Name"* ]]
	run -0 openssl verify -x509_strict -purpose sslclient -CAfile ca/root.crt -untrusted ca/issuing.crt a.crt
	[ "$output" = "a.crt: OK" ]
}

@test "kmca-sign: card-sign has the holder's e-mail, emailProtection, nonRepudiation" {
	n=$(active)
	keypair s ec384
	kmca-sign -p card-sign -n "$n" s.csr > s.crt
	verify s.crt
	run -0 openssl x509 -in s.crt -noout -ext keyUsage,extendedKeyUsage,subjectAltName
	[ "$output" = "X509v3 Key Usage: critical
    Digital Signature, Non Repudiation
X509v3 Extended Key Usage: 
    E-mail Protection
X509v3 Subject Alternative Name: 
    email:jan@example.pl" ]
	run -0 openssl verify -x509_strict -purpose smimesign -CAfile ca/root.crt -untrusted ca/issuing.crt s.crt
	[ "$output" = "s.crt: OK" ]
	run -0 openssl x509 -in s.crt -noout -text
	[[ "$output" == *"NIST CURVE: P-384"* ]]
}

@test "kmca-sign: an entrepreneur's subject has the company and VATPL-NIP" {
	n=$(entrepreneur)
	keypair a
	kmca-sign -p card-auth -n "$n" a.csr > a.crt
	verify a.crt
	run -0 openssl x509 -in a.crt -noout -subject -nameopt oid,utf8,sep_comma_plus
	[ "$output" = "subject=2.5.4.6=PL,2.5.4.10=Łódź Sp. z o.o.,2.5.4.97=VATPL-8567346215,2.5.4.42=Anna,2.5.4.4=Nowak,2.5.4.3=Anna Nowak,2.5.4.5=$n" ]
}

@test "kmca-sign: RSA-3072 and RSA-4096 keys are allowed" {
	n=$(active)
	keypair r3 rsa3072
	kmca-sign -p card-auth -n "$n" r3.csr > r3.crt
	verify r3.crt
	[ "$(sqlite3 km.db "SELECT key_type FROM cert WHERE serial = '$(serial_of r3.crt)'")" = rsa3072 ]
}

@test "kmca-sign: a bare public key, PEM or DER, with -n card" {
	n=$(active)
	keypair a
	openssl pkey -pubin -in a.pub -outform DER -out a.pub.der
	run -0 --separate-stderr kmca-sign -p card-auth -n "$n" a.pub
	[ -z "$stderr" ]
	printf '%s\n' "$output" > a.crt
	verify a.crt
	[ "$(openssl x509 -in a.crt -noout -pubkey)" = "$(cat a.pub)" ]
	run -0 --separate-stderr kmca-sign -p card-sign -n "$n" a.pub.der
	[ -z "$stderr" ]
	printf '%s\n' "$output" > b.crt
	verify b.crt
	[ "$(openssl x509 -in b.crt -noout -pubkey)" = "$(cat a.pub)" ]
}

@test "kmca-sign: the request on stdin, and a DER CSR" {
	n=$(active)
	keypair a
	openssl req -in a.csr -outform DER -out a.der
	run -0 --separate-stderr kmca-sign -p card-auth -n "$n" < a.csr
	[ -z "$stderr" ]
	printf '%s\n' "$output" > a.crt
	verify a.crt
	run -0 --separate-stderr kmca-sign -p card-auth -n "$n" - < a.der
	[ -z "$stderr" ]
	printf '%s\n' "$output" > b.crt
	verify b.crt
}

@test "kmca-sign: serials are 128 random bits, unique" {
	n=$(active)
	keypair a
	for i in 1 2 3 4 5 6; do
		kmca-sign -p card-auth -n "$n" a.csr | openssl x509 -noout -serial
	done > serials
	[ "$(sort -u serials | wc -l)" -eq 6 ]
	while read -r s; do
		[[ "$s" =~ ^serial=[0-7][0-9A-F]{31}$ ]]
		[[ ! "$s" =~ ^serial=00 ]]
	done < serials
	[ "$(sqlite3 km.db "SELECT count(DISTINCT serial) FROM cert")" -eq 8 ]
}

@test "kmca-sign: the certificate is in the store, linked to its card" {
	n=$(active)
	keypair a
	kmca-sign -p card-auth -n "$n" a.csr > a.crt
	s=$(serial_of a.crt)
	run -0 sqlite3 km.db "SELECT c.number, t.profile, t.status, t.key_type, t.subject, t.issuer FROM cert t JOIN card c ON c.id = t.card_id WHERE t.serial = '$s'"
	[ "$output" = "$n|card-auth|good|ec256|serialNumber=$n,CN=Jan Kowalski,SN=Kowalski,GN=Jan,C=PL|2" ]
	# Its DER is the certificate.
	[ "$(sqlite3 km.db "SELECT hex(der) FROM cert WHERE serial = '$s'")" = "$(openssl x509 -in a.crt -outform DER | od -An -tx1 -v | tr -d ' \n' | tr a-f A-F)" ]
	[ "$(sqlite3 km.db "SELECT action, subject FROM audit ORDER BY seq DESC LIMIT 1")" = "ca.sign|$s" ]
	run -0 --separate-stderr kmaudit-verify -t
	[ "$(cut -f1 <<<"$output")" = 1 ]
}

@test "kmca-sign: -t prints the record with the PEM, -o DIR writes DIR/SERIAL.crt" {
	n=$(active)
	keypair a
	mkdir out
	run -0 --separate-stderr kmca-sign -t -p card-auth -n "$n" -o out a.csr
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 1 ]
	IFS=$'\t' read -r serial card prof kt na sup file subj <<<"$output"
	[[ "$serial" =~ ^[0-9A-F]{32}$ ]]
	[ "$card/$prof/$kt/$sup" = "$n/card-auth/ec256/0" ]
	[[ "$na" =~ ^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$ ]]
	[ "$file" = "out/$serial.crt" ]
	[ "$subj" = "serialNumber=$n,CN=Jan Kowalski,SN=Kowalski,GN=Jan,C=PL" ]
	[ "$(ls out)" = "$serial.crt" ]
	[ "$(serial_of "out/$serial.crt")" = "$serial" ]
	verify "out/$serial.crt"
	# not_after is the certificate's.
	[ "$(date -u -d "$(openssl x509 -in "out/$serial.crt" -noout -enddate | cut -d= -f2)" +%Y-%m-%dT%H:%M:%SZ)" = "$na" ]
}

@test "kmca-sign: -j prints one JSON object a certificate" {
	n=$(active)
	keypair a
	mkdir out
	run -0 --separate-stderr kmca-sign -j -p card-sign -n "$n" -o out a.csr
	[ -z "$stderr" ]
	all_json
	s=$(jq -r .serial <<<"$output")
	[ "$(jq -c 'del(.serial, .not_after)' <<<"$output")" = "{\"card\":\"$n\",\"profile\":\"card-sign\",\"key_type\":\"ec256\",\"superseded\":0,\"file\":\"out/$s.crt\",\"subject\":\"serialNumber=$n,CN=Jan Kowalski,SN=Kowalski,GN=Jan,C=PL\"}" ]
	# Without -o the PEM is in the record.
	run -0 --separate-stderr kmca-sign -j -p card-auth -n "$n" a.csr
	[ "$(jq -r .file <<<"$output")" = null ]
	jq -r .pem <<<"$output" > a.crt
	verify a.crt
}

@test "kmca-sign: a second certificate of a card and profile supersedes the first" {
	n=$(active)
	keypair a
	keypair b
	kmca-sign -p card-auth -n "$n" a.csr > a.crt
	kmca-sign -p card-sign -n "$n" a.csr > s.crt
	old=$(serial_of a.crt)
	run -0 --separate-stderr kmca-sign -t -p card-auth -n "$n" b.csr
	[ -z "$stderr" ]
	[ "$(cut -f6 <<<"$output")" = 1 ]
	new=$(cut -f1 <<<"$output")
	[ "$(sqlite3 km.db "SELECT serial, status, reason FROM cert WHERE card_id IS NOT NULL ORDER BY id" | tr '\n' ' ')" = "$old|revoked|4 $(serial_of s.crt)|good| $new|good| " ]
	# The CRL with it is written, number 2, and says Superseded.
	run -0 openssl crl -inform DER -in ca/issuing.crl -CAfile ca/chain.pem -noout -verify -crlnumber
	[ "$output" = "verify OK
crlNumber=0x02" ]
	run -0 openssl crl -in ca/issuing.crl.pem -noout -text
	[[ "$output" == *"Serial Number: $old"*"Superseded"* ]]
	[ "$(grep -c 'Serial Number' <<<"$output")" -eq 1 ]
}

@test "kmca-sign: -b issues for 20 cards from stdin in one go" {
	mkdir out
	for i in $(seq 1 20); do
		n=$(active "$(p "$i")")
		keypair "$n"
		printf '%s %s\n' "$n" "$n.csr"
	done > list
	printf '# a comment\n\n' >> list
	run -0 --separate-stderr kmca-sign -t -p card-auth -o out -b < list
	[ "$stderr" = "kmca-sign: 20 certificates issued" ]
	[ "${#lines[@]}" -eq 20 ]
	[ "$(ls out | wc -l)" -eq 20 ]
	[ "$(cut -f2 <<<"$output")" = "$(cut -d' ' -f1 list | grep '^9')" ]
	for f in out/*.crt; do verify "$f"; done
	[ "$(sqlite3 km.db "SELECT count(*) FROM cert WHERE profile = 'card-auth' AND card_id IS NOT NULL")" -eq 20 ]
}

@test "kmca-sign: -d DIR issues for every CARD.csr in it" {
	mkdir reqs out
	for i in 1 2 3; do
		n=$(active "$(p "$i")")
		(cd reqs && keypair "$n" && rm "$n.key" "$n.pub")
	done
	touch reqs/README
	run -0 --separate-stderr kmca-sign -t -p card-sign -o out -d reqs
	[ "$stderr" = "kmca-sign: 3 certificates issued" ]
	[ "$(cut -f2 <<<"$output")" = "$(ls reqs | grep -v README | sed 's/\.csr$//')" ]
	[ "$(ls out | wc -l)" -eq 3 ]
	for f in out/*.crt; do verify "$f"; done
}

@test "kmca-sign: a batch with one bad request issues nothing" {
	mkdir out
	for i in 1 2 3; do
		n=$(active "$(p "$i")")
		keypair "$n"
		printf '%s %s\n' "$n" "$n.csr"
	done > list
	echo garbage > bad.csr
	sed -i "2s/ .*/ bad.csr/" list
	refuses 3 kmca-sign -t -p card-auth -o out -b < list
	[ "$stderr" = "kmca-sign: <stdin>:2: request 'bad.csr': neither a CSR nor a public key
kmca-sign: 1 of 3 requests refused: nothing issued" ]
	[ -z "$(ls out)" ]
}

@test "kmca-sign: a batch line without a file is refused" {
	n=$(active)
	refuses 3 kmca-sign -p card-auth -b <<<"$n"
	[ "$stderr" = "kmca-sign: <stdin>:1: expected 'card file'
kmca-sign: 1 of 1 requests refused: nothing issued" ]
}

@test "kmca-sign: -k keeps the good requests of a batch" {
	mkdir out
	for i in 1 2 3; do
		n=$(active "$(p "$i")")
		keypair "$n"
		printf '%s %s\n' "$n" "$n.csr"
	done > list
	sed -i "2s/ .*/ missing.csr/" list
	run -3 --separate-stderr kmca-sign -k -t -p card-auth -o out -b < list
	[ "$stderr" = "kmca-sign: <stdin>:2: cannot read request 'missing.csr': No such file or directory
kmca-sign: 1 of 3 requests refused, 2 certificates issued" ]
	[ "${#lines[@]}" -eq 2 ]
	[ "$(cut -f2 <<<"$output")" = "$(sed -n '1p;3p' list | cut -d' ' -f1)" ]
	[ "$(ls out | wc -l)" -eq 2 ]
	[ "$(sqlite3 km.db "SELECT count(*) FROM cert WHERE card_id IS NOT NULL")" -eq 2 ]
}

@test "kmca-sign: ocsp and hotlist profiles with -s name" {
	keypair o
	keypair h ec384
	run -0 --separate-stderr kmca-sign -p ocsp -s "Second Responder" o.csr
	[ -z "$stderr" ]
	printf '%s\n' "$output" > o.crt
	verify o.crt
	run -0 openssl x509 -in o.crt -noout -subject -nameopt RFC2253 -ext extendedKeyUsage,authorityInfoAccess
	[ "$output" = "subject=CN=Second Responder,O=Gmina Testowo,C=PL
X509v3 Extended Key Usage: 
    OCSP Signing" ]
	run -0 openssl x509 -in o.crt -noout -text
	[[ "$output" == *"OCSP No Check"* ]]
	run -0 --separate-stderr kmca-sign -t -p hotlist -s "Hotlist Signer" h.csr
	[ -z "$stderr" ]
	s=$(cut -f1 <<<"$output")
	[ "$(cut -f2-4 <<<"$output")" = "$(printf '\thotlist\tec384')" ]
	[ "$(sqlite3 km.db "SELECT profile, card_id IS NULL, subject FROM cert WHERE serial = '$s'")" = "hotlist|1|CN=Hotlist Signer,O=Gmina Testowo,C=PL" ]
}

@test "kmca-sign: a CSR whose self-signature fails is refused" {
	n=$(active)
	keypair a
	openssl req -in a.csr -outform DER -out bad.der
	size=$(stat -c %s bad.der)
	last=$(tail -c 1 bad.der | od -An -tu1 | tr -d ' ')
	printf "\\$(printf '%03o' $((last ^ 1)))" |
	    dd of=bad.der bs=1 seek=$((size - 1)) conv=notrunc 2>/dev/null
	run -0 openssl req -in bad.der -inform DER -verify -noout
	[ "$output" = "Certificate request self-signature verify failure" ]
	refused 3 -p card-auth -n "$n" bad.der
	[ "$stderr" = "kmca-sign: request 'bad.der': self-signature does not verify
kmca-sign: 1 of 1 requests refused: nothing issued" ]
}

@test "kmca-sign: RSA-2048 and RSA-1024 keys are refused by the profile" {
	n=$(active)
	keypair r2 rsa2048
	keypair r1 rsa1024
	refused 3 -p card-auth -n "$n" r2.csr
	[ "$stderr" = "kmca-sign: request 'r2.csr': a rsa2048 key is not allowed by profile 'card-auth' (ec256, ec384, rsa3072, rsa4096)
kmca-sign: 1 of 1 requests refused: nothing issued" ]
	refused 3 -p card-sign -n "$n" r1.pub
	[ "$stderr" = "kmca-sign: request 'r1.pub': a rsa1024 key is not allowed by profile 'card-sign' (ec256, ec384, rsa3072, rsa4096)
kmca-sign: 1 of 1 requests refused: nothing issued" ]
}

@test "kmca-sign: an unknown profile is a usage error" {
	n=$(active)
	keypair a
	refused 2 -p card-login -n "$n" a.csr
	[ "$stderr" = "kmca-sign: unknown profile 'card-login' (card-auth, card-sign, ocsp, hotlist)
$USAGE" ]
}

@test "kmca-sign: card-auth without -n is a usage error" {
	keypair a
	refused 2 -p card-auth a.csr
	[ "$stderr" = "kmca-sign: profile 'card-auth' needs a card (-n card)
$USAGE" ]
}

@test "kmca-sign: ocsp without -s, or with -n, is a usage error" {
	n=$(active)
	keypair a
	refused 2 -p ocsp a.csr
	[ "$stderr" = "kmca-sign: profile 'ocsp' needs a common name (-s name)
$USAGE" ]
	refused 2 -p hotlist -n "$n" a.csr
	[ "$stderr" = "kmca-sign: profile 'hotlist' takes a name (-s), not a card (-n)
$USAGE" ]
	refused 2 -p card-sign -n "$n" -s Someone a.csr
	[ "$stderr" = "$USAGE" ]
	refused 2 -p card-auth -s Someone a.csr
	[ "$stderr" = "kmca-sign: profile 'card-auth' takes a card (-n), not a name (-s)
$USAGE" ]
	refused 2 -p ocsp -b
	[ "$stderr" = "kmca-sign: a batch is for the card profiles, not 'ocsp'
$USAGE" ]
}

@test "kmca-sign: an unknown card is not found" {
	keypair a
	refused 1 -p card-auth -n "$UNKNOWN" a.csr
	[ "$stderr" = "kmca-sign: request 'a.csr': no card '$UNKNOWN'
kmca-sign: 1 of 1 requests refused: nothing issued" ]
}

@test "kmca-sign: blocked, suspended and revoked cards are refused" {
	keypair a
	k=0
	for st in blocked suspended revoked replaced; do
		k=$((k + 1))
		n=$(in_state "$st" "$(p "$k")")
		refused 3 -p card-auth -n "$n" a.csr
		[ "$stderr" = "kmca-sign: request 'a.csr': card '$n' is $st: no certificate is issued for it
kmca-sign: 1 of 1 requests refused: nothing issued" ]
	done
}

@test "kmca-sign: card-sign for a holder without e-mail is refused" {
	n=$(entrepreneur)
	keypair a
	refused 3 -p card-sign -n "$n" a.csr
	[ "$stderr" = "kmca-sign: request 'a.csr': card '$n': the holder has no e-mail address, which profile 'card-sign' needs
kmca-sign: 1 of 1 requests refused: nothing issued" ]
}

@test "kmca-sign: a card without the service a profile needs is refused" {
	n=$(kmcard-issue -t type=resident "pesel=$(p 7)" first_name=Ewa \
	    surname=Nowak "street=ul. Polna 3" postcode=00-001 city=Warszawa \
	    email=ewa@example.pl services=eticket | cut -f1)
	keypair a
	refused 3 -p card-sign -n "$n" a.csr
	[ "$stderr" = "kmca-sign: request 'a.csr': card '$n' does not have the esignature service, which profile 'card-sign' needs
kmca-sign: 1 of 1 requests refused: nothing issued" ]
	refused 3 -p card-auth -n "$n" a.csr
	[ "$stderr" = "kmca-sign: request 'a.csr': card '$n' does not have the identification service, which profile 'card-auth' needs
kmca-sign: 1 of 1 requests refused: nothing issued" ]
}

@test "kmca-sign: a garbage file is refused" {
	n=$(active)
	printf 'not a request\n' > junk.csr
	refused 3 -p card-auth -n "$n" junk.csr
	[ "$stderr" = "kmca-sign: request 'junk.csr': neither a CSR nor a public key
kmca-sign: 1 of 1 requests refused: nothing issued" ]
	: > empty.csr
	refused 3 -p card-auth -n "$n" empty.csr
	[ "$stderr" = "kmca-sign: request 'empty.csr': neither a CSR nor a public key
kmca-sign: 1 of 1 requests refused: nothing issued" ]
}

@test "kmca-sign: a missing file is refused" {
	n=$(active)
	refused 3 -p card-auth -n "$n" nosuch.csr
	[ "$stderr" = "kmca-sign: cannot read request 'nosuch.csr': No such file or directory
kmca-sign: 1 of 1 requests refused: nothing issued" ]
}

@test "kmca-sign: a request over 64 KiB is refused" {
	n=$(active)
	keypair a
	{ cat a.csr; head -c 70000 /dev/zero | tr '\0' '\n'; } > big.csr
	refused 3 -p card-auth -n "$n" big.csr
	[ "$stderr" = "kmca-sign: request 'big.csr': longer than 64 KiB
kmca-sign: 1 of 1 requests refused: nothing issued" ]
}

@test "kmca-sign: an output directory that does not exist is refused" {
	n=$(active)
	keypair a
	refused 3 -p card-auth -n "$n" -o nodir a.csr
	[ "$stderr" = "kmca-sign: output directory 'nodir': No such file or directory" ]
	touch plain
	refused 3 -p card-auth -n "$n" -o plain a.csr
	[ "$stderr" = "kmca-sign: output directory 'plain': not a directory" ]
}

@test "kmca-sign: a clerk alone is refused" {
	n=$(active)
	keypair a
	KM_EXTRA="$KM_CA_YAML" km_config clerk helpdesk
	refused 3 -p card-auth -n "$n" a.csr
	[ "$stderr" = "kmca-sign: permission denied for user '$(id -un)': needs the role admin (roles in km.yaml(5))" ]
}

@test "kmca-sign: the issuing key cannot be opened without the passphrase" {
	n=$(active)
	keypair a
	mv ca.pass ca.pass.away
	refused 3 -p card-auth -n "$n" a.csr
	[ "$stderr" = "kmca-sign: cannot read passphrase file '$PWD/ca.pass': No such file or directory" ]
}

@test "kmca-sign: a wrong passphrase is refused and issues nothing" {
	n=$(active)
	keypair a
	printf 'not the passphrase at all\n' > ca.pass
	refused 3 -p card-auth -n "$n" a.csr
	[ "$stderr" = "kmca-sign: ca.issuing_key: key '$PWD/ca/issuing.key': wrong passphrase" ]
	[ "$(sqlite3 km.db "SELECT count(*) FROM cert WHERE card_id IS NOT NULL")" -eq 0 ]
}

@test "kmca-sign: -h prints usage on stdout" {
	run -0 --separate-stderr kmca-sign -h
	[ "$output" = "$USAGE" ]
	[ -z "$stderr" ]
}

@test "kmca-sign: -V prints the version" {
	run -0 --separate-stderr kmca-sign -V
	[ "$output" = "kmca-sign (km) 0.1.0" ]
	[ -z "$stderr" ]
}

@test "kmca-sign: unknown option is a usage error" {
	refused 2 -x -p card-auth
	[ "$stderr" = "kmca-sign: invalid option -- 'x'
$USAGE" ]
}
