load helper

# The CA with its keys in an HSM: a SoftHSM2 token made by km-softhsm,
# keys named by pkcs11: URIs and used through OpenSSL's pkcs11 ENGINE.

MODULE=/usr/lib/softhsm/libsofthsm2.so
ENGINE=/usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so
PIN=246810
uri() { printf 'pkcs11:token=KM;object=%s;type=private' "$1"; }

# Under AddressSanitizer (make SANITIZE=address check), LeakSanitizer would
# report what libp11's ENGINE leaks at exit after a failed login; the
# suppression needs whole stacks, which the slow unwinder gives.  No effect
# on a build without the sanitizer.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$BATS_TEST_DIRNAME/lsan-pkcs11.supp:print_suppressions=0"

setup() {
	command -v softhsm2-util >/dev/null ||
	    skip "softhsm2-util not installed (package softhsm2)"
	command -v pkcs11-tool >/dev/null ||
	    skip "pkcs11-tool not installed (package opensc)"
	[ -e "$ENGINE" ] ||
	    skip "no $ENGINE (package libengine-pkcs11-openssl)"
	[ -e "$MODULE" ] || skip "no $MODULE (package softhsm2)"
	cd "$BATS_TEST_TMPDIR"
	eval "$("$KM_ROOT/scripts/km-softhsm" init "$PWD/hsm" KM 13572468 "$PIN")"
	for k in root:01 issuing:02 ocsp:03 signer:04; do
		"$KM_ROOT/scripts/km-softhsm" keygen "$PWD/hsm" KM "$PIN" ec256 \
		    "${k#*:}" "${k%:*}" >/dev/null
	done
	printf '%s\n' "$PIN" > pin
	chmod 0600 pin
}

# hsm_ca [ocsp_key]: config with the CA's keys in the token (the OCSP key
# too, unless a reference is given) and a store; no CA yet.
hsm_ca() {
	KM_EXTRA="cards:
  resident:
    services: [identification, eticket, payments, benefits, esignature]
ca:
  name: Gmina Testowo
  root_key: \"$(uri root)\"
  issuing_key: \"$(uri issuing)\"
  ocsp_key: \"${1:-$(uri ocsp)}\"
  pkcs11_module: $MODULE
  pkcs11_pin_file: pin
  crl_url: http://pki.example.pl/issuing.crl
  ocsp_url: http://pki.example.pl/ocsp" km_setup
}

# The public key of token object ID, as PEM.
pubkey() {
	pkcs11-tool --module "$MODULE" --read-object --type pubkey --id "$1" \
	    2>/dev/null | openssl pkey -pubin -inform DER
}

# A card-auth certificate a.crt for a new active card, its number in $n.
card_cert() {
	n=$(active "${1:-$(p 1)}") || return 1
	keypair a || return 1
	kmca-sign -p card-auth -n "$n" a.csr > a.crt
}

@test "kmca-hsm: kmca-init makes the CA with its keys in the token" {
	hsm_ca
	run -0 --separate-stderr kmca-init
	[ -z "$stderr" ]
	[[ "$output" == *"
hsm         yes
"* ]]
	# no key file is written
	[ "$(ls ca)" = "chain.pem
issuing.crl
issuing.crl.pem
issuing.crt
ocsp.crt
root.crl
root.crl.pem
root.crt" ]
	run -0 openssl verify -CAfile ca/root.crt -untrusted ca/issuing.crt ca/issuing.crt ca/ocsp.crt
	[ "$output" = "ca/issuing.crt: OK
ca/ocsp.crt: OK" ]
	# the certificates are those of the token's keys
	[ "$(openssl x509 -in ca/root.crt -noout -pubkey)" = "$(pubkey 01)" ]
	[ "$(openssl x509 -in ca/issuing.crt -noout -pubkey)" = "$(pubkey 02)" ]
	[ "$(openssl x509 -in ca/ocsp.crt -noout -pubkey)" = "$(pubkey 03)" ]
	run -0 openssl crl -in ca/issuing.crl -inform DER -CAfile ca/chain.pem -noout
	[ "$output" = "verify OK" ]
}

@test "kmca-hsm: kmca-sign issues a card certificate with the token's key" {
	hsm_ca
	kmca-init >/dev/null
	n=$(active)
	keypair a
	run -0 --separate-stderr sh -c 'kmca-sign -p card-auth -n "$1" a.csr > a.crt' sh "$n"
	[ -z "$stderr" ]
	run -0 openssl verify -CAfile ca/root.crt -untrusted ca/issuing.crt a.crt
	[ "$output" = "a.crt: OK" ]
}

@test "kmca-hsm: kmcard-block writes a CRL signed in the token" {
	hsm_ca
	kmca-init >/dev/null
	card_cert
	serial=$(openssl x509 -in a.crt -noout -serial | cut -d= -f2)
	run -0 --separate-stderr kmcard-block -t -r stolen "$n"
	[ -z "$stderr" ]
	run -0 openssl crl -in ca/issuing.crl -inform DER -CAfile ca/chain.pem -noout
	[ "$output" = "verify OK" ]
	run -0 openssl crl -in ca/issuing.crl.pem -noout -text
	[[ "$output" == *"Serial Number: $serial"* ]]
	run -2 openssl verify -crl_check -CRLfile ca/issuing.crl.pem -CAfile ca/root.crt -untrusted ca/issuing.crt a.crt
	[[ "$output" == *"certificate revoked"* ]]
}

# ocsp_ok CERT STATUS: kmca-ocsp answers a request about CERT with a
# response openssl verifies, with STATUS.
ocsp_ok() {
	openssl ocsp -issuer ca/issuing.crt -cert "$1" -reqout req.der >/dev/null 2>&1
	run -0 --separate-stderr sh -c 'kmca-ocsp < req.der > resp.der'
	[ -z "$output" ]
	[ -z "$stderr" ]
	run -0 --separate-stderr openssl ocsp -respin resp.der -reqin req.der \
	    -issuer ca/issuing.crt -CAfile ca/chain.pem
	[ "$stderr" = "Response verify OK" ]
	run -0 --separate-stderr openssl ocsp -respin resp.der \
	    -issuer ca/issuing.crt -CAfile ca/chain.pem -cert "$1" -no_nonce
	[ "${lines[0]}" = "$1: $2" ]
}

@test "kmca-hsm: kmca-ocsp signs with the OCSP key in the token" {
	hsm_ca
	kmca-init >/dev/null
	card_cert
	before=$(dump)
	ocsp_ok a.crt good
	kmcard-block -r lost "$n" >/dev/null
	ocsp_ok a.crt revoked
	# the responder is the token's OCSP key
	[ "$(openssl x509 -in ca/ocsp.crt -noout -pubkey)" = "$(pubkey 03)" ]
}

@test "kmca-hsm: kmca-ocsp signs with an OCSP key in a file" {
	hsm_ca "$BATS_TEST_TMPDIR/ca/ocsp.key"
	printf 'correct horse battery staple\n' > ca.pass
	chmod 0600 ca.pass
	printf '  passphrase_file: ca.pass\n' >> km.yaml
	run -0 --separate-stderr kmca-init
	[ -z "$stderr" ]
	[ -s ca/ocsp.key ]
	[ ! -e ca/root.key ] && [ ! -e ca/issuing.key ]
	card_cert
	ocsp_ok a.crt good
}

@test "kmca-hsm: kmdoc-sign signs with a key in the token" {
	hsm_ca
	kmca-init >/dev/null
	n=$(active)
	pubkey 04 > s.pub
	kmca-sign -p card-sign -n "$n" s.pub > s.crt
	printf '%%PDF-1.4\numowa\n' > doc.pdf
	run -0 --separate-stderr sh -c 'kmdoc-sign -k "$1" -C s.crt doc.pdf > doc.p7s' sh "$(uri signer)"
	[ -z "$output" ]
	[ -z "$stderr" ]
	run -0 --separate-stderr openssl cms -verify -binary -inform DER -in doc.p7s \
	    -content doc.pdf -CAfile ca/root.crt -purpose any -out /dev/null
	[ "$stderr" = "CMS Verification successful" ]
	run -0 --separate-stderr kmca-verify -t doc.pdf doc.p7s
	[[ "$output" == "1	"*"	good	"*"	$n	active	"* ]]
	[ -z "$stderr" ]
}

@test "kmca-hsm: a wrong PIN is refused (exit 3) and nothing is stored" {
	hsm_ca
	kmca-init >/dev/null
	n=$(active)
	keypair a
	printf '999999\n' > pin
	refuses 3 kmca-sign -p card-auth -n "$n" a.csr
	[ "$stderr" = "kmca-sign: ca.issuing_key: key '$(uri issuing)': wrong PIN
kmca-sign: 1 of 1 requests refused: nothing issued" ] ||
	    [ "$stderr" = "kmca-sign: ca.issuing_key: key '$(uri issuing)': wrong PIN" ]
}

@test "kmca-hsm: a wrong PIN at kmca-init leaves no CA behind (exit 3)" {
	hsm_ca
	printf '999999\n' > pin
	refuses 3 kmca-init
	[ "$stderr" = "kmca-init: ca.root_key: key '$(uri root)': wrong PIN" ]
	[ ! -e ca/root.crt ]
}

@test "kmca-hsm: kmca-ocsp with a wrong PIN answers internalError (exit 3)" {
	hsm_ca
	kmca-init >/dev/null
	card_cert
	openssl ocsp -issuer ca/issuing.crt -cert a.crt -reqout req.der >/dev/null 2>&1
	printf '999999\n' > pin
	run -3 --separate-stderr sh -c 'kmca-ocsp < req.der > resp.der'
	[ "$stderr" = "kmca-ocsp: ca.ocsp_key: key '$(uri ocsp)': wrong PIN" ]
	run openssl ocsp -respin resp.der -resp_text -noverify
	[[ "$output" == *"Responder Error: internalerror (2)"* ]]
}

@test "kmca-hsm: kmdoc-sign with a wrong PIN is refused (exit 3)" {
	hsm_ca
	kmca-init >/dev/null
	n=$(active)
	pubkey 04 > s.pub
	kmca-sign -p card-sign -n "$n" s.pub > s.crt
	echo umowa > doc.pdf
	printf '999999\n' > pin
	refuses 3 kmdoc-sign -k "$(uri signer)" -C s.crt doc.pdf
	[ "$stderr" = "kmdoc-sign: signing key: key '$(uri signer)': wrong PIN" ]
}

@test "kmca-hsm: the PIN may come from KM_PKCS11_PIN" {
	hsm_ca
	sed -i '/pkcs11_pin_file/d' km.yaml
	run -0 --separate-stderr env KM_PKCS11_PIN="$PIN" kmca-init -t
	[ -z "$stderr" ]
}

@test "kmca-hsm: a PIN file others may read is refused (exit 3)" {
	hsm_ca
	chmod 0644 pin
	refuses 3 kmca-init
	[ "$stderr" = "kmca-init: PIN file '$PWD/pin' is not a regular file readable by its owner only" ]
}

@test "kmca-hsm: a pkcs11: key without ca.pkcs11_module is refused (exit 3)" {
	hsm_ca
	kmca-init >/dev/null
	n=$(active)
	keypair a
	sed -i '/pkcs11_module/d' km.yaml
	refuses 3 kmca-sign -p card-auth -n "$n" a.csr
	[ "$stderr" = "kmca-sign: ca.issuing_key is a pkcs11: URI and ca.pkcs11_module is not set" ]
}
