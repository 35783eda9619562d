load helper

# kmca-init: makes the city's CA once: the root, the issuing CA under it
# and the OCSP responder's certificate, their encrypted keys, the chain
# and the first CRLs, and records them in the store.

setup() {
	KM_EXTRA="$KM_CA_YAML" km_setup
	printf 'correct horse battery staple\n' > ca.pass
	chmod 0600 ca.pass
}

USAGE="usage: kmca-init [-jt] [-c config]"
FILES="chain.pem issuing.crl issuing.crl.pem issuing.crt issuing.key ocsp.crt ocsp.key root.crl root.crl.pem root.crt root.key"

# The config of km_ca_setup with EXTRA YAML lines in its ca section.
ca_config() {
	KM_EXTRA="$KM_CA_YAML${1:+
$1}" km_config "${@:2}"
}

# The audit chain verifies.
audit_ok() {
	run -0 --separate-stderr kmaudit-verify -t
	[ "$(cut -f1 <<<"$output")" = 1 ]
	[ -z "$stderr" ]
}

# bits KEYFILE: the size of the key in bits, read with the passphrase.
bits() {
	openssl pkey -in "$1" -passin file:ca.pass -noout -text |
	    sed -n '1s/.*(\([0-9]*\) bit.*/\1/p'
}

@test "kmca-init: makes the certificates, keys, chain and CRLs (-t)" {
	run -0 --separate-stderr kmca-init -t
	[ -z "$stderr" ]
	IFS=$'\t' read -r root issuing ocsp kt hsm dir rs is <<<"$output"
	[ "${#lines[@]}" -eq 1 ]
	[[ "$root" =~ ^[0-9A-F]{32}$ ]]
	[[ "$issuing" =~ ^[0-9A-F]{32}$ ]]
	[[ "$ocsp" =~ ^[0-9A-F]{32}$ ]]
	[ "$kt/$hsm/$dir" = "ec256/0/$PWD/ca" ]
	[ "$rs" = "CN=Gmina Testowo Root CA,O=Gmina Testowo,C=PL" ]
	[ "$is" = "CN=Gmina Testowo Issuing CA,O=Gmina Testowo,C=PL" ]
	[ "$(ls ca | grep -v '^crl.lock$' | tr '\n' ' ')" = "$FILES " ]
	# The serials printed are those of the files.
	[ "$(openssl x509 -in ca/root.crt -noout -serial)" = "serial=$root" ]
	[ "$(openssl x509 -in ca/issuing.crt -noout -serial)" = "serial=$issuing" ]
	[ "$(openssl x509 -in ca/ocsp.crt -noout -serial)" = "serial=$ocsp" ]
	# And of the store.
	[ "$(sqlite3 km.db "SELECT name, serial FROM ca ORDER BY id" | tr '\n' ' ')" = "root|$root issuing|$issuing " ]
	[ "$(sqlite3 km.db "SELECT profile, serial, status FROM cert ORDER BY id" | tr '\n' ' ')" = "issuing-ca|$issuing|good ocsp|$ocsp|good " ]
}

@test "kmca-init: human output, one field a line" {
	run -0 --separate-stderr kmca-init
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 8 ]
	[[ "${lines[0]}" =~ ^root\ +[0-9A-F]{32}$ ]]
	[[ "${lines[1]}" =~ ^issuing\ +[0-9A-F]{32}$ ]]
	[[ "${lines[2]}" =~ ^ocsp\ +[0-9A-F]{32}$ ]]
	[ "${lines[3]}" = "key_type    ec256" ]
	[ "${lines[4]}" = "hsm         no" ]
	[ "${lines[5]}" = "dir         $PWD/ca" ]
	[ "${lines[6]}" = "root_subject CN=Gmina Testowo Root CA,O=Gmina Testowo,C=PL" ]
	[ "${lines[7]}" = "issuing_subject CN=Gmina Testowo Issuing CA,O=Gmina Testowo,C=PL" ]
}

@test "kmca-init: -j prints one JSON object" {
	run -0 --separate-stderr kmca-init -j
	[ -z "$stderr" ]
	all_json
	[ "${#lines[@]}" -eq 1 ]
	[ "$(jq -r '[.key_type, .hsm, .dir, .root_subject] | @tsv' <<<"$output")" = "$(printf 'ec256\tfalse\t%s\tCN=Gmina Testowo Root CA,O=Gmina Testowo,C=PL' "$PWD/ca")" ]
	[ "$(jq -r '[.root, .issuing, .ocsp] | map(test("^[0-9A-F]{32}$")) | all' <<<"$output")" = true ]
}

@test "kmca-init: the keys are mode 0600 and encrypted with the passphrase" {
	run -0 --separate-stderr kmca-init
	for k in root issuing ocsp; do
		[ "$(stat -c %a "ca/$k.key")" = 600 ]
		[ "$(head -1 "ca/$k.key")" = "-----BEGIN ENCRYPTED PRIVATE KEY-----" ]
		openssl pkey -in "ca/$k.key" -passin file:ca.pass -noout
		run -1 openssl pkey -in "ca/$k.key" -passin pass:wrong-passphrase -noout
		run -1 openssl pkey -in "ca/$k.key" -passin pass: -noout
	done
	# Each key is its certificate's.
	for k in root issuing ocsp; do
		[ "$(openssl pkey -in "ca/$k.key" -passin file:ca.pass -pubout)" = "$(openssl x509 -in "ca/$k.crt" -noout -pubkey)" ]
	done
	for f in root.crt issuing.crt ocsp.crt chain.pem root.crl issuing.crl; do
		[ "$(stat -c %a "ca/$f")" = 644 ]
	done
}

@test "kmca-init: openssl verifies the issuing CA under the root, and the responder" {
	run -0 --separate-stderr kmca-init
	run -0 openssl verify -x509_strict -CAfile ca/root.crt ca/issuing.crt
	[ "$output" = "ca/issuing.crt: OK" ]
	run -0 openssl verify -x509_strict -CAfile ca/root.crt ca/root.crt
	[ "$output" = "ca/root.crt: OK" ]
	run -0 openssl verify -CAfile ca/chain.pem ca/ocsp.crt
	[ "$output" = "ca/ocsp.crt: OK" ]
	run -0 openssl verify -x509_strict -purpose ocsphelper -CAfile ca/root.crt -untrusted ca/issuing.crt ca/ocsp.crt
	[ "$output" = "ca/ocsp.crt: OK" ]
	# chain.pem is the issuing CA, then the root.
	[ "$(openssl crl2pkcs7 -nocrl -certfile ca/chain.pem | openssl pkcs7 -print_certs -noout | grep '^subject=')" = "subject=C = PL, O = Gmina Testowo, CN = Gmina Testowo Issuing CA
subject=C = PL, O = Gmina Testowo, CN = Gmina Testowo Root CA" ]
	# The CAs' extensions.
	run -0 openssl x509 -in ca/root.crt -noout -ext basicConstraints,keyUsage
	[ "$output" = "X509v3 Basic Constraints: critical
    CA:TRUE, pathlen:1
X509v3 Key Usage: critical
    Certificate Sign, CRL Sign" ]
	run -0 openssl x509 -in ca/issuing.crt -noout -ext basicConstraints,keyUsage
	[ "$output" = "X509v3 Basic Constraints: critical
    CA:TRUE, pathlen:0
X509v3 Key Usage: critical
    Certificate Sign, CRL Sign" ]
}

@test "kmca-init: the responder's certificate has OCSP Signing and OCSP No Check" {
	run -0 --separate-stderr kmca-init
	run -0 openssl x509 -in ca/ocsp.crt -noout -ext extendedKeyUsage,basicConstraints
	[ "$output" = "X509v3 Basic Constraints: critical
    CA:FALSE
X509v3 Extended Key Usage: 
    OCSP Signing" ]
	run -0 openssl x509 -in ca/ocsp.crt -noout -text
	[[ "$output" == *"OCSP No Check"* ]]
	[[ "$output" == *"Issuer: C = PL, O = Gmina Testowo, CN = Gmina Testowo Issuing CA"* ]]
	[[ "$output" == *"Subject: C = PL, O = Gmina Testowo, CN = Gmina Testowo OCSP Responder"* ]]
}

@test "kmca-init: the first CRLs are number 1, empty and signed by their CA" {
	run -0 --separate-stderr kmca-init
	run -0 openssl crl -inform DER -in ca/issuing.crl -CAfile ca/chain.pem -noout -verify -crlnumber
	[ "$output" = "verify OK
crlNumber=0x01" ]
	run -0 openssl crl -inform DER -in ca/root.crl -CAfile ca/root.crt -noout -verify -crlnumber
	[ "$output" = "verify OK
crlNumber=0x01" ]
	# The PEM files are the DER files.
	[ "$(openssl crl -in ca/issuing.crl.pem -outform DER | sha256sum)" = "$(sha256sum < ca/issuing.crl)" ]
	[ "$(openssl crl -in ca/root.crl.pem -outform DER | sha256sum)" = "$(sha256sum < ca/root.crl)" ]
	run -0 openssl crl -in ca/issuing.crl.pem -noout -text
	[[ "$output" == *"No Revoked Certificates."* ]]
	[ "$(sqlite3 km.db "SELECT issuer, number, entries FROM crl ORDER BY issuer" | tr '\n' ' ')" = "1|1|0 2|1|0 " ]
}

@test "kmca-init: the audit chain verifies after" {
	run -0 --separate-stderr kmca-init
	audit_ok
	[ "$(sqlite3 km.db "SELECT action FROM audit WHERE action LIKE 'ca.%' ORDER BY seq" | tr '\n' ' ')" = "ca.init ca.sign ca.sign ca.crl ca.crl " ]
}

@test "kmca-init: a second kmca-init is refused and changes nothing" {
	run -0 --separate-stderr kmca-init
	before=$(dump)
	files=$(cd ca && sha256sum *)
	run -3 --separate-stderr kmca-init
	[ -z "$output" ]
	[ "$stderr" = "kmca-init: the store has a CA already ('CN=Gmina Testowo Root CA,O=Gmina Testowo,C=PL')" ]
	[ "$(dump)" = "$before" ]
	[ "$(cd ca && sha256sum *)" = "$files" ]
}

@test "kmca-init: a new store with the files of an old CA is refused" {
	run -0 --separate-stderr kmca-init
	files=$(cd ca && sha256sum *)
	rm km.db
	kmdb-init >/dev/null
	refuses 3 kmca-init
	[ "$stderr" = "kmca-init: '$PWD/ca/root.crt' exists already" ]
	[ "$(cd ca && sha256sum *)" = "$files" ]
}

@test "kmca-init: no passphrase at all is refused, nothing written" {
	KM_EXTRA='ca:
  name: Gmina Testowo' km_config
	refuses 3 env -u KM_CA_PASSPHRASE kmca-init
	[ "$stderr" = "kmca-init: ca.root_key: no passphrase for the new key: set ca.passphrase_file or KM_CA_PASSPHRASE" ]
	[ ! -e ca ]
}

@test "kmca-init: a missing passphrase file is refused, nothing written" {
	rm ca.pass
	refuses 3 kmca-init
	[ "$stderr" = "kmca-init: cannot read passphrase file '$PWD/ca.pass': No such file or directory" ]
	[ ! -e ca ]
}

@test "kmca-init: KM_CA_PASSPHRASE does instead of the file" {
	KM_EXTRA='ca:
  name: Gmina Testowo' km_config
	rm ca.pass
	KM_CA_PASSPHRASE='an environment passphrase' run -0 --separate-stderr kmca-init -t
	[ -z "$stderr" ]
	for k in root issuing ocsp; do
		openssl pkey -in "ca/$k.key" -passin 'pass:an environment passphrase' -noout
		run -1 openssl pkey -in "ca/$k.key" -passin pass:correct-horse -noout
	done
	run -0 openssl verify -x509_strict -CAfile ca/root.crt ca/issuing.crt
	[ "$output" = "ca/issuing.crt: OK" ]
}

@test "kmca-init: a passphrase file others can read is refused, nothing written" {
	chmod 0644 ca.pass
	refuses 3 kmca-init
	[ "$stderr" = "kmca-init: passphrase file '$PWD/ca.pass' is not a regular file readable by its owner only" ]
	[ ! -e ca ]
}

@test "kmca-init: an empty passphrase file is refused" {
	: > ca.pass
	refuses 3 kmca-init
	[ "$stderr" = "kmca-init: passphrase file '$PWD/ca.pass' is empty" ]
	[ ! -e ca ]
}

@test "kmca-init: a passphrase shorter than 8 bytes is refused, nothing written" {
	printf 'short\n' > ca.pass
	refuses 3 kmca-init
	[ "$stderr" = "kmca-init: ca.root_key: the passphrase for the new key is shorter than 8 bytes" ]
	[ ! -e ca ]
}

@test "kmca-init: ca.key_type rsa3072 makes RSA-3072 keys" {
	ca_config '  key_type: rsa3072'
	run -0 --separate-stderr kmca-init -t
	[ -z "$stderr" ]
	[ "$(cut -f4 <<<"$output")" = rsa3072 ]
	for k in root issuing ocsp; do
		[ "$(bits "ca/$k.key")" = 3072 ]
		run -0 openssl x509 -in "ca/$k.crt" -noout -text
		[[ "$output" == *"Public-Key: (3072 bit)"* ]]
		[[ "$output" == *"Signature Algorithm: sha256WithRSAEncryption"* ]]
	done
	run -0 openssl verify -x509_strict -CAfile ca/root.crt ca/issuing.crt
	[ "$output" = "ca/issuing.crt: OK" ]
	run -0 openssl verify -CAfile ca/chain.pem ca/ocsp.crt
	[ "$output" = "ca/ocsp.crt: OK" ]
	[ "$(sqlite3 km.db "SELECT key_type FROM cert ORDER BY id" | tr '\n' ' ')" = "rsa3072 rsa3072 " ]
}

@test "kmca-init: ca.key_type ec384 makes P-384 keys" {
	ca_config '  key_type: ec384'
	run -0 --separate-stderr kmca-init -t
	[ -z "$stderr" ]
	[ "$(cut -f4 <<<"$output")" = ec384 ]
	for k in root issuing ocsp; do
		[ "$(bits "ca/$k.key")" = 384 ]
		run -0 openssl x509 -in "ca/$k.crt" -noout -text
		[[ "$output" == *"NIST CURVE: P-384"* ]]
	done
	run -0 openssl verify -x509_strict -CAfile ca/root.crt ca/issuing.crt
	[ "$output" = "ca/issuing.crt: OK" ]
}

@test "kmca-init: roles other than admin are refused" {
	for role in clerk helpdesk cron device auditor; do
		ca_config '' "$role"
		before=$(dump)
		run -3 --separate-stderr kmca-init
		[ -z "$output" ]
		[ "$stderr" = "kmca-init: permission denied for user '$(id -un)': needs the role admin (roles in km.yaml(5))" ]
		[ "$(dump)" = "$before" ]
		[ ! -e ca ]
	done
	ca_config '' admin
	run -0 --separate-stderr kmca-init -t
	[ -z "$stderr" ]
}

@test "kmca-init: -h prints usage on stdout" {
	run -0 --separate-stderr kmca-init -h
	[ "$output" = "$USAGE" ]
	[ -z "$stderr" ]
}

@test "kmca-init: -V prints the version" {
	run -0 --separate-stderr kmca-init -V
	[ "$output" = "kmca-init (km) 0.1.0" ]
	[ -z "$stderr" ]
}

@test "kmca-init: unknown option is a usage error, nothing written" {
	refuses 2 kmca-init -x
	[ "$stderr" = "kmca-init: invalid option -- 'x'
$USAGE" ]
	[ ! -e ca ]
}

@test "kmca-init: an operand is a usage error" {
	refuses 2 kmca-init ca
	[ "$stderr" = "$USAGE" ]
	[ ! -e ca ]
}
