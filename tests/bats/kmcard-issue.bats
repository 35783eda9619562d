#!/usr/bin/env bats
# kmcard-issue: registers holders and orders their cards, from field=value
# operands or a CSV batch on stdin.
load helper

setup() { km_setup; }

# A test that fails while it holds the store's lock must not leave the
# locking process behind.
teardown() {
	cd "$BATS_TEST_TMPDIR" || return 0
	if [ -e locked ] && [ ! -e release ]; then
		unlock_store
	fi
}

USAGE='usage: kmcard-issue [-jkt] [-c config] [field=value ...]'

# eq ACTUAL EXPECTED: string equality that shows both on failure.
eq() {
	[ "$1" = "$2" ] && return 0
	printf 'expected: %s\nactual:   %s\n' "$2" "$1" >&2
	return 1
}

# luhn_ok DIGITS: true if the digits pass the Luhn check.
luhn_ok() {
	local s=$1 sum=0 i d dbl=0
	for ((i = ${#s} - 1; i >= 0; i--)); do
		d=${s:i:1}
		if ((dbl)); then
			d=$((d * 2))
			((d > 9)) && d=$((d - 9))
		fi
		sum=$((sum + d))
		dbl=$((!dbl))
	done
	((sum % 10 == 0))
}

# cardno TYPE SERIAL: the card number the default IIN 900100 gives the
# SERIALth card of TYPE (1 resident, 2 entrepreneur).
cardno() {
	local p d
	p=$(printf '900100%d%08d' "$1" "$2")
	for d in 0 1 2 3 4 5 6 7 8 9; do
		luhn_ok "$p$d" && { echo "$p$d"; return; }
	done
}

# expires NUMBER: the card's expiry as stored (ISO UTC).
expires() {
	sqlite3 km.db "SELECT expires_at FROM card WHERE number = '$1'"
}

# warsaw ISO: that time as people in Warsaw read it.
warsaw() {
	TZ=Europe/Warsaw date -d "$1" '+%Y-%m-%d %H:%M'
}

# Operands of a whole resident application (PESEL 44051401359).
RES=(type=resident pesel=44051401359 first_name=Jan surname=Kowalski
    "street=ul. Długa 5" postcode=00-950 city=Warszawa
    email=jan@example.pl phone=600100200)
# ... and of an entrepreneur (NIP written with dashes).
ENT=(type=entrepreneur nip=856-734-62-15 regon=192598184
    "company=Łódź Sp. z o.o." pesel=02211307589 first_name=Anna
    surname=Nowak "street=Piotrkowska 1" postcode=90-001 city=Łódź)

# ---------------------------------------------------------------- operands

@test "kmcard-issue: a resident from field=value, human output" {
	run -0 --separate-stderr kmcard-issue "${RES[@]}"
	n=$(cardno 1 1)
	eq "$stderr" ""
	eq "$output" "number      $n
type        resident
state       ordered
holder_id   1
expires     $(warsaw "$(expires "$n")")"
	eq "$(sqlite3 km.db 'SELECT number, type, state, holder_id, services, chip_uid IS NULL FROM card')" \
	    "$n|1|ordered|1|23|1"
	eq "$(sqlite3 km.db 'SELECT kind, pesel, first_name, surname, street, postcode, city, email, phone, nip IS NULL FROM holder')" \
	    "1|44051401359|Jan|Kowalski|ul. Długa 5|00-950|Warszawa|jan@example.pl|600100200|1"
	eq "$(sqlite3 km.db "SELECT ev, from_state IS NULL, to_state, note FROM card_event")" \
	    "order|1|ordered|application"
}

@test "kmcard-issue: a resident from field=value, -t" {
	run -0 --separate-stderr kmcard-issue -t "${RES[@]}"
	n=$(cardno 1 1)
	eq "$stderr" ""
	eq "$output" "$n	resident	ordered	1	$(expires "$n")"
}

@test "kmcard-issue: a resident from field=value, -j" {
	run -0 --separate-stderr kmcard-issue -j "${RES[@]}"
	n=$(cardno 1 1)
	eq "$stderr" ""
	eq "$output" "{\"number\":\"$n\",\"type\":\"resident\",\"state\":\"ordered\",\"holder_id\":1,\"expires\":\"$(expires "$n")\"}"
	jq -e . <<<"$output" >/dev/null
	eq "$(jq -r .number <<<"$output")" "$n"
}

@test "kmcard-issue: the card is valid for five years" {
	run -0 --separate-stderr kmcard-issue -t "${RES[@]}"
	ordered=$(sqlite3 km.db 'SELECT ordered_at FROM card')
	exp=$(sqlite3 km.db 'SELECT expires_at FROM card')
	eq "${exp:0:4}" "$((${ordered:0:4} + 5))"
	eq "${exp:4}" "${ordered:4}"
}

@test "kmcard-issue: an entrepreneur from field=value, NIP with dashes" {
	run -0 --separate-stderr kmcard-issue -t "${ENT[@]}"
	n=$(cardno 2 1)
	eq "$stderr" ""
	eq "$output" "$n	entrepreneur	ordered	1	$(expires "$n")"
	eq "$(sqlite3 km.db 'SELECT type, services FROM card')" "2|13"
	eq "$(sqlite3 km.db 'SELECT kind, nip, regon, company, pesel, city FROM holder')" \
	    "2|8567346215|192598184|Łódź Sp. z o.o.|02211307589|Łódź"
}

@test "kmcard-issue: an entrepreneur from field=value, human and -j" {
	run -0 --separate-stderr kmcard-issue -j "${ENT[@]}"
	n=$(cardno 2 1)
	eq "$stderr" ""
	eq "$output" "{\"number\":\"$n\",\"type\":\"entrepreneur\",\"state\":\"ordered\",\"holder_id\":1,\"expires\":\"$(expires "$n")\"}"
	jq -e . <<<"$output" >/dev/null
	run -0 --separate-stderr kmcard-issue type=entrepreneur nip=PL7251801126 \
	    regon=192598184 company=Druga pesel=02211307589 first_name=Anna \
	    surname=Nowak street=Piotrkowska postcode=90-001 city=Łódź
	m=$(cardno 2 2)
	eq "$stderr" ""
	eq "$output" "number      $m
type        entrepreneur
state       ordered
holder_id   2
expires     $(warsaw "$(expires "$m")")"
}

@test "kmcard-issue: services= asks for some of the services" {
	run -0 --separate-stderr kmcard-issue -t "${RES[@]}" services=eticket,payments
	eq "$stderr" ""
	eq "$(sqlite3 km.db 'SELECT services FROM card')" 6
}

@test "kmcard-issue: -c names the config" {
	unset KM_CONFIG
	run -0 --separate-stderr kmcard-issue -t -c km.yaml "${RES[@]}"
	eq "$stderr" ""
	eq "$(cut -f1 <<<"$output")" "$(cardno 1 1)"
}

@test "kmcard-issue: a bad field value names the argument, nothing written" {
	before=$(dump)
	run -3 --separate-stderr kmcard-issue type=resident pesel=44051401350 \
	    first_name=Jan surname=Kowalski street=a postcode=00-001 city=W
	eq "$output" ""
	eq "$stderr" "kmcard-issue: argument 2: pesel: bad check digit"
	eq "$(dump)" "$before"
	run -3 --separate-stderr kmcard-issue "${RES[@]}" postcode=00950
	eq "$output" ""
	eq "$stderr" "kmcard-issue: argument 10: postcode: not of the form NN-NNN"
	eq "$(dump)" "$before"
	run -3 --separate-stderr kmcard-issue "${RES[@]}" email=jan
	eq "$output" ""
	eq "$stderr" "kmcard-issue: argument 10: email: not an address"
	eq "$(dump)" "$before"
	run -3 --separate-stderr kmcard-issue type=citizen
	eq "$output" ""
	eq "$stderr" "kmcard-issue: argument 1: type: neither resident nor entrepreneur"
	eq "$(dump)" "$before"
}

@test "kmcard-issue: an unknown field names the argument, nothing written" {
	before=$(dump)
	run -3 --separate-stderr kmcard-issue type=resident pesl=44051401359
	eq "$output" ""
	eq "$stderr" "kmcard-issue: argument 2: unknown field 'pesl'"
	eq "$(dump)" "$before"
}

@test "kmcard-issue: an incomplete application is refused, nothing written" {
	before=$(dump)
	run -3 --separate-stderr kmcard-issue type=resident pesel=44051401359 \
	    first_name=Jan street=a postcode=00-001 city=W
	eq "$output" ""
	eq "$stderr" "kmcard-issue: surname: missing"
	eq "$(dump)" "$before"
	run -3 --separate-stderr kmcard-issue first_name=Jan
	eq "$output" ""
	eq "$stderr" "kmcard-issue: type: missing (resident or entrepreneur)"
	eq "$(dump)" "$before"
	run -3 --separate-stderr kmcard-issue "${RES[@]}" regon=192598184
	eq "$output" ""
	eq "$stderr" "kmcard-issue: regon: only for an entrepreneur"
	eq "$(dump)" "$before"
	run -3 --separate-stderr kmcard-issue "${RES[@]}" services=esignature
	eq "$output" ""
	eq "$stderr" "kmcard-issue: services: 'esignature' is not offered on the Resident Card"
	eq "$(dump)" "$before"
}

@test "kmcard-issue: an operand that is not field=value is a usage error" {
	before=$(dump)
	run -2 --separate-stderr kmcard-issue type=resident Kowalski
	eq "$output" ""
	eq "${#stderr_lines[@]}" 2
	eq "${stderr_lines[0]}" "kmcard-issue: argument 2: not field=value"
	eq "${stderr_lines[1]}" "$USAGE"
	eq "$(dump)" "$before"
}

# ------------------------------------------------------------- CSV batches

@test "kmcard-issue: a CSV batch, columns in any order, -t gives line numbers" {
	p1=$(pesel 800101 1111) p2=$(pesel 900101 5678)
	{
		printf 'surname,city,first_name,pesel,type,postcode,street,email\n'
		printf 'Zając,Kraków,Ewa,%s,resident,30-001,ul. X 1,\n' "$p1"
		printf '\n'
		printf '"Nowak, Jr",Gdańsk,Piotr,%s,resident,80-001,"ul. ""Y"" 2",p@example.pl\n' "$p2"
	} >batch.csv
	run -0 --separate-stderr kmcard-issue -t <batch.csv
	n1=$(cardno 1 1) n2=$(cardno 1 2)
	exp=$(expires "$n1")
	eq "$output" "$n1	resident	ordered	1	$exp	2
$n2	resident	ordered	2	$exp	4"
	eq "$stderr" "kmcard-issue: 2 applications, 2 cards ordered"
	eq "$(sqlite3 km.db 'SELECT pesel, first_name, surname, street, city, email FROM holder ORDER BY id')" \
	    "$p1|Ewa|Zając|ul. X 1|Kraków|
$p2|Piotr|Nowak, Jr|ul. \"Y\" 2|Gdańsk|p@example.pl"
}

@test "kmcard-issue: a CSV batch with CRLF line ends and a byte order mark" {
	p1=$(pesel 800101 1111)
	printf '\357\273\277type,pesel,first_name,surname,street,postcode,city\r\n\r\nresident,%s,Ewa,Lis,ul. A,00-001,W\r\n' \
	    "$p1" >batch.csv
	run -0 --separate-stderr kmcard-issue -t <batch.csv
	n1=$(cardno 1 1)
	eq "$output" "$n1	resident	ordered	1	$(expires "$n1")	3"
	eq "$stderr" "kmcard-issue: 1 applications, 1 cards ordered"
}

@test "kmcard-issue: a CSV batch of residents and entrepreneurs, human and -j" {
	{
		printf 'type,pesel,first_name,surname,street,postcode,city,nip,regon,company\n'
		printf 'resident,%s,Ewa,Lis,ul. A,00-001,W,,,\n' "$(pesel 800101 1111)"
		printf 'entrepreneur,02211307589,Anna,Nowak,Piotrkowska 1,90-001,Łódź,8567346215,192598184,"Łódź Sp. z o.o."\n'
	} >batch.csv
	run -0 --separate-stderr kmcard-issue <batch.csv
	n1=$(cardno 1 1) n2=$(cardno 2 1)
	eq "$stderr" "kmcard-issue: 2 applications, 2 cards ordered"
	eq "$output" "number      $n1
type        resident
state       ordered
holder_id   1
expires     $(warsaw "$(expires "$n1")")
line        2

number      $n2
type        entrepreneur
state       ordered
holder_id   2
expires     $(warsaw "$(expires "$n2")")
line        3"
}

@test "kmcard-issue: a CSV batch, -j: one JSON object a line, with its line" {
	{
		printf 'type,pesel,first_name,surname,street,postcode,city,nip,regon,company\n'
		printf 'resident,%s,Ewa,Lis,ul. A,00-001,W,,,\n' "$(pesel 800101 1111)"
		printf 'entrepreneur,02211307589,Anna,Nowak,Piotrkowska 1,90-001,Łódź,8567346215,192598184,"Łódź ""Ala"" Sp. z o.o."\n'
	} >batch.csv
	run -0 --separate-stderr kmcard-issue -j <batch.csv
	n1=$(cardno 1 1) n2=$(cardno 2 1)
	eq "$stderr" "kmcard-issue: 2 applications, 2 cards ordered"
	eq "${#lines[@]}" 2
	eq "${lines[0]}" "{\"number\":\"$n1\",\"type\":\"resident\",\"state\":\"ordered\",\"holder_id\":1,\"expires\":\"$(expires "$n1")\",\"line\":2}"
	eq "${lines[1]}" "{\"number\":\"$n2\",\"type\":\"entrepreneur\",\"state\":\"ordered\",\"holder_id\":2,\"expires\":\"$(expires "$n2")\",\"line\":3}"
	for l in "${lines[@]}"; do
		jq -e . <<<"$l" >/dev/null
	done
}

@test "kmcard-issue: a header alone orders nothing and exits 0" {
	before=$(dump)
	run -0 --separate-stderr kmcard-issue -t \
	    <<<'type,pesel,first_name,surname,street,postcode,city'
	eq "$output" ""
	eq "$stderr" "kmcard-issue: 0 applications, 0 cards ordered"
	eq "$(dump)" "$before"
}

# The batch with a bad row of every kind, between good ones; prints the
# PESELs it uses to pesels.txt.
bad_batch() {
	local g1 g3 p
	g1=$(pesel 800101 1111)
	g3=$(pesel 900101 5678)
	{
		echo 'surname,type,pesel,first_name,street,postcode,city,nip,regon,company,services'
		echo "Lis,resident,$g1,Ewa,ul. A 1,00-001,Warszawa,,,,"
		echo 'Kot,resident,44051401350,Jan,ul. B 2,00-002,Warszawa,,,,'
		echo ",resident,$(pesel 700101 0002),Ala,ul. C 3,00-003,Warszawa,,,,"
		echo "Mak,entrepreneur,$(pesel 700101 0003),Ola,ul. D 4,00-004,Łódź,8567346216,192598184,Firma,"
		echo "Mak,entrepreneur,$(pesel 700101 0004),Ola,ul. D 4,00-004,Łódź,8567346215,192598185,Firma,"
		echo "Bąk,resident,$(pesel 700101 0005),Iza,ul. E 5,00-005,Warszawa,,,,teleport"
		echo "Bąk,resident,$(pesel 700101 0006),Iza,ul. E 5,00-005,Warszawa,,,,esignature"
		echo "Wróbel,resident,$(pesel 700101 0007),Adam,ul. F 6,00-006,Warszawa,8567346215,,,"
		echo "Sowa,resident,$(pesel 700101 0008),Ewa,ul. G 7,00006,Warszawa,,,,"
		echo "Kruk,resident,$(pesel 700101 0009),Jan"
		echo 'Nowak,entrepreneur,02211307589,Anna,Piotrkowska 1,90-001,Łódź,8567346215,192598184,"Łódź Sp. z o.o.",'
		echo "\"Nowak, Jr\",resident,$g3,Piotr,\"ul. \"\"Y\"\" 2\",80-001,Gdańsk,,,,eticket"
	} >batch.csv
	grep -oE '[0-9]{11}' batch.csv >pesels.txt
}

BAD_ROWS="kmcard-issue: <stdin>:3: pesel: bad check digit
kmcard-issue: <stdin>:4: surname: missing
kmcard-issue: <stdin>:5: nip: bad check digit
kmcard-issue: <stdin>:6: regon: bad check digit
kmcard-issue: <stdin>:7: services: unknown service 'teleport'
kmcard-issue: <stdin>:8: services: 'esignature' is not offered on the Resident Card
kmcard-issue: <stdin>:9: nip: only for an entrepreneur
kmcard-issue: <stdin>:10: postcode: not of the form NN-NNN
kmcard-issue: <stdin>:11: 4 fields, the header has 11"

@test "kmcard-issue: a batch with bad rows: each named by line, nothing written, exit 3" {
	bad_batch
	before=$(dump)
	run -3 --separate-stderr kmcard-issue -t <batch.csv
	eq "$output" ""
	eq "$stderr" "$BAD_ROWS
kmcard-issue: 9 of 12 applications refused: nothing written"
	eq "$(dump)" "$before"
	# No message carries a PESEL, good or bad.
	run -1 grep -F -f pesels.txt <<<"$stderr"
}

@test "kmcard-issue: a batch with bad rows and -k keeps the good rows, exits 3" {
	bad_batch
	run -3 --separate-stderr kmcard-issue -kt <batch.csv
	n1=$(cardno 1 1) n2=$(cardno 2 1) n3=$(cardno 1 2)
	exp=$(expires "$n1")
	eq "$output" "$n1	resident	ordered	1	$exp	2
$n2	entrepreneur	ordered	2	$exp	12
$n3	resident	ordered	3	$exp	13"
	eq "$stderr" "$BAD_ROWS
kmcard-issue: 12 applications, 3 cards ordered, the rest refused"
	eq "$(sqlite3 km.db 'SELECT count(*) FROM card')" 3
	eq "$(sqlite3 km.db 'SELECT count(*) FROM holder')" 3
	eq "$(sqlite3 km.db "SELECT services FROM card WHERE number = '$n3'")" 2
	eq "$(sqlite3 km.db "SELECT surname || '/' || street FROM holder WHERE id = 3")" \
	    'Nowak, Jr/ul. "Y" 2'
	run -1 grep -F -f pesels.txt <<<"$stderr"
	run -0 --separate-stderr kmaudit-verify -t
}

@test "kmcard-issue: an unterminated quote: refused, nothing written, exit 3" {
	{
		echo 'type,pesel,first_name,surname,street,postcode,city'
		echo "resident,$(pesel 800101 1111),Ewa,Lis,ul. A,00-001,W"
		echo "resident,$(pesel 800101 2222),Ola,\"Kot,ul. B,00-002,W"
		echo "resident,$(pesel 800101 3333),Ala,Mak,ul. C,00-003,W"
	} >batch.csv
	before=$(dump)
	run -3 --separate-stderr kmcard-issue -t <batch.csv
	eq "$output" ""
	eq "${#stderr_lines[@]}" 2
	eq "${stderr_lines[0]}" "kmcard-issue: <stdin>:3: unterminated quoted field"
	eq "${stderr_lines[1]}" "kmcard-issue: 1 of 2 applications refused: nothing written"
	eq "$(dump)" "$before"
}

@test "kmcard-issue: an unterminated quote is named <stdin>:LINE like the other faults" {
	{
		echo 'type,pesel,first_name,surname,street,postcode,city'
		echo "resident,$(pesel 800101 1111),Ewa,Lis,ul. A,00-001,W"
		echo "resident,$(pesel 800101 2222),Ola,\"Kot,ul. B,00-002,W"
	} >batch.csv
	before=$(dump)
	run -3 --separate-stderr kmcard-issue -t <batch.csv
	eq "$output" ""
	eq "${stderr_lines[0]}" "kmcard-issue: <stdin>:3: unterminated quoted field"
	eq "$(dump)" "$before"
}

@test "kmcard-issue: -k keeps the good rows before a CSV syntax error" {
	g1=$(pesel 800101 1111)
	{
		echo 'type,pesel,first_name,surname,street,postcode,city'
		echo "resident,$g1,Ewa,Lis,ul. A,00-001,W"
		echo 'resident,44051401350,Jan,Kot,ul. B,00-002,W'
		echo "resident,$(pesel 800101 2222),Ola,\"Kot,ul. B,00-002,W"
	} >batch.csv
	run -3 --separate-stderr kmcard-issue -kt <batch.csv
	n1=$(cardno 1 1)
	eq "$output" "$n1	resident	ordered	1	$(expires "$n1")	2"
	eq "${stderr_lines[0]}" "kmcard-issue: <stdin>:3: pesel: bad check digit"
	eq "${stderr_lines[1]}" "kmcard-issue: <stdin>:4: unterminated quoted field"
	eq "$(sqlite3 km.db 'SELECT count(*) FROM card')" 1
}

@test "kmcard-issue: a stray quote in an unquoted field: refused, nothing written" {
	{
		echo 'type,pesel,first_name,surname,street,postcode,city'
		echo "resident,$(pesel 800101 1111),Ewa,Lis,ul. A,00-001,W"
		echo "resident,$(pesel 800101 2222),Ola,Kot,ul. \"B\",00-002,W"
	} >batch.csv
	before=$(dump)
	run -3 --separate-stderr kmcard-issue -t <batch.csv
	eq "$output" ""
	eq "${#stderr_lines[@]}" 2
	eq "${stderr_lines[0]}" "kmcard-issue: <stdin>:3: quote in unquoted field"
	eq "${stderr_lines[1]}" "kmcard-issue: 1 of 2 applications refused: nothing written"
	eq "$(dump)" "$before"
}

@test "kmcard-issue: an unknown column in the header: nothing written, exit 3" {
	before=$(dump)
	printf 'type,pesel,first_name,surname,street,postcode,town\nresident,%s,Ewa,Lis,ul. A,00-001,W\n' \
	    "$(pesel 800101 1111)" >batch.csv
	run -3 --separate-stderr kmcard-issue -t <batch.csv
	eq "$output" ""
	eq "$stderr" "kmcard-issue: <stdin>:1: unknown column 'town'"
	eq "$(dump)" "$before"
}

@test "kmcard-issue: a column named twice in the header: nothing written, exit 3" {
	before=$(dump)
	run -3 --separate-stderr kmcard-issue -t <<<'type,pesel,first_name,pesel'
	eq "$output" ""
	eq "$stderr" "kmcard-issue: <stdin>:1: column 'pesel' twice"
	eq "$(dump)" "$before"
}

@test "kmcard-issue: empty input (no header) is refused, exit 3" {
	before=$(dump)
	run -3 --separate-stderr kmcard-issue -t </dev/null
	eq "$output" ""
	eq "$stderr" "kmcard-issue: <stdin>: no header line"
	eq "$(dump)" "$before"
	run -3 --separate-stderr kmcard-issue -t <<<''
	eq "$output" ""
	eq "$stderr" "kmcard-issue: <stdin>: no header line"
	eq "$(dump)" "$before"
}

@test "kmcard-issue: no message carries a PESEL, even from misplaced columns" {
	p=$(pesel 800101 1111)
	before=$(dump)
	printf 'type,pesel,first_name,surname,street,postcode,city\n%s,resident,Ewa,Lis,ul. A,00-001,W\n' \
	    "$p" >batch.csv
	run -3 --separate-stderr kmcard-issue -t <batch.csv
	eq "$output" ""
	eq "${#stderr_lines[@]}" 2
	[[ "${stderr_lines[0]}" == "kmcard-issue: <stdin>:2: "* ]]
	[[ "$stderr" != *"$p"* ]]
	eq "$(dump)" "$before"
}

# --------------------------------------------------------------- the register

@test "kmcard-issue: a PESEL registered under another name is refused" {
	resident >/dev/null
	before=$(dump)
	run -3 --separate-stderr kmcard-issue "${RES[@]}" first_name=Janusz
	eq "$output" ""
	eq "$stderr" "kmcard-issue: pesel: registered to holder 1 under another name"
	[[ "$stderr" != *44051401359* ]]
	eq "$(dump)" "$before"
	# The same in a batch, with its line.
	printf 'type,pesel,first_name,surname,street,postcode,city\nresident,44051401359,Jan,Kowal,ul. A,00-001,W\n' >batch.csv
	run -3 --separate-stderr kmcard-issue -t <batch.csv
	eq "$output" ""
	eq "$stderr" "kmcard-issue: <stdin>:2: pesel: registered to holder 1 under another name
kmcard-issue: 1 of 1 applications refused: nothing written"
	eq "$(dump)" "$before"
}

@test "kmcard-issue: a second Resident Card while the first is ordered is refused" {
	n=$(resident)
	before=$(dump)
	run -3 --separate-stderr kmcard-issue "${RES[@]}"
	eq "$output" ""
	eq "$stderr" "kmcard-issue: holder 1 already has Resident Card ordered '$n'"
	eq "$(dump)" "$before"
	# A new address on the refused application changes nothing either.
	run -3 --separate-stderr kmcard-issue "${RES[@]}" "street=ul. Nowa 1"
	eq "$output" ""
	eq "$stderr" "kmcard-issue: holder 1 already has Resident Card ordered '$n'"
	eq "$(dump)" "$before"
}

@test "kmcard-issue: a second Resident Card while the first is active or blocked is refused" {
	n=$(active)
	before=$(dump)
	run -3 --separate-stderr kmcard-issue "${RES[@]}"
	eq "$output" ""
	eq "$stderr" "kmcard-issue: holder 1 already has Resident Card active '$n'"
	eq "$(dump)" "$before"
	kmcard-block -r lost "$n" >/dev/null
	before=$(dump)
	run -3 --separate-stderr kmcard-issue "${RES[@]}"
	eq "$output" ""
	eq "$stderr" "kmcard-issue: holder 1 already has Resident Card blocked '$n': replace it"
	eq "$(dump)" "$before"
}

@test "kmcard-issue: the same holder twice in one batch: the second row is refused" {
	p=$(pesel 800101 1111)
	printf 'type,pesel,first_name,surname,street,postcode,city\nresident,%s,Ewa,Lis,ul. A,00-001,W\nresident,%s,Ewa,Lis,ul. A,00-001,W\n' \
	    "$p" "$p" >batch.csv
	before=$(dump)
	n=$(cardno 1 1)
	run -3 --separate-stderr kmcard-issue -t <batch.csv
	eq "$output" ""
	eq "$stderr" "kmcard-issue: <stdin>:3: holder 1 already has Resident Card ordered '$n'
kmcard-issue: 1 of 2 applications refused: nothing written"
	eq "$(dump)" "$before"
	run -3 --separate-stderr kmcard-issue -kt <batch.csv
	eq "$output" "$n	resident	ordered	1	$(expires "$n")	2"
	eq "$(sqlite3 km.db 'SELECT count(*) FROM card')" 1
}

@test "kmcard-issue: a holder whose card was revoked may have a new one" {
	n=$(resident)
	kmcard-revoke -r "moved away" "$n" >/dev/null
	run -0 --separate-stderr kmcard-issue -t "${RES[@]}"
	m=$(cardno 1 2)
	eq "$stderr" ""
	eq "$output" "$m	resident	ordered	1	$(expires "$m")"
}

@test "kmcard-issue: a resident may also hold an Entrepreneur Card" {
	kmcard-issue "${ENT[@]}" >/dev/null
	run -0 --separate-stderr kmcard-issue -t type=resident pesel=02211307589 \
	    first_name=Anna surname=Nowak street=Piotrkowska postcode=90-001 city=Łódź
	n=$(cardno 1 1)
	eq "$stderr" ""
	eq "$output" "$n	resident	ordered	2	$(expires "$n")"
}

@test "kmcard-issue: card numbers are 16 digits, pass Luhn, and are distinct" {
	{
		echo 'type,pesel,first_name,surname,street,postcode,city,nip,regon,company'
		for i in 01 02 03 04 05 06 07 08 09 10 11 12; do
			echo "resident,$(pesel 7501$i 12${i}),Jan,Nr$i,ul. A $i,00-0$i,W,,,"
		done
		echo 'entrepreneur,02211307589,Anna,Nowak,Piotrkowska 1,90-001,Łódź,8567346215,192598184,Firma'
	} >batch.csv
	run -0 --separate-stderr kmcard-issue -t <batch.csv
	eq "$stderr" "kmcard-issue: 13 applications, 13 cards ordered"
	eq "${#lines[@]}" 13
	for l in "${lines[@]}"; do
		n=${l%%	*}
		[[ "$n" =~ ^[0-9]{16}$ ]]
		luhn_ok "$n"
		# The issuer's IIN, then the type digit.
		[[ "$n" == 900100[12]* ]]
	done
	eq "$(cut -f1 <<<"$output" | sort -u | wc -l)" 13
	[[ "${lines[12]}" == 9001002* ]]
	# ... as stored, too.
	eq "$(sqlite3 km.db 'SELECT count(DISTINCT number) FROM card')" 13
}

# ------------------------------------------------------------ the environment

@test "kmcard-issue: a missing store is exit 3, naming kmdb-init" {
	rm -f km.db km.db-wal km.db-shm
	run -3 --separate-stderr kmcard-issue -t "${RES[@]}"
	eq "$output" ""
	eq "$stderr" "kmcard-issue: cannot open store '$PWD/km.db': No such file or directory (create it with kmdb-init)"
	[ ! -e km.db ]
}

@test "kmcard-issue: a store at another schema version is exit 3" {
	sqlite3 km.db 'PRAGMA user_version = 99'
	before=$(dump)
	run -3 --separate-stderr kmcard-issue -t "${RES[@]}"
	eq "$output" ""
	eq "$stderr" "kmcard-issue: store '$PWD/km.db' is at schema version 99, these programs need 2 (run kmdb-init)"
	eq "$(dump)" "$before"
}

@test "kmcard-issue: a store locked by another writer is exit 4, nothing written" {
	before=$(dump)
	lock_store
	run -4 --separate-stderr kmcard-issue -t "${RES[@]}"
	unlock_store
	eq "$output" ""
	eq "$stderr" "kmcard-issue: store '$PWD/km.db' is busy: another program is writing to it"
	eq "$(dump)" "$before"
	# Once the lock is gone the same application goes through.
	run -0 --separate-stderr kmcard-issue -t "${RES[@]}"
}

@test "kmcard-issue: a store that cannot be opened is exit 5" {
	rm -f km.db km.db-wal km.db-shm
	mkdir km.db
	run -5 --separate-stderr kmcard-issue -t "${RES[@]}"
	eq "$output" ""
	eq "$stderr" "kmcard-issue: cannot open store '$PWD/km.db': unable to open database file"
}

@test "kmcard-issue: a config with an unknown key is exit 3, file:line:col" {
	KM_EXTRA='stor: 1' km_config
	line=$(grep -n '^stor:' km.yaml | cut -d: -f1)
	before=$(dump)
	run -3 --separate-stderr kmcard-issue -t "${RES[@]}"
	eq "$output" ""
	eq "$stderr" "kmcard-issue: $PWD/km.yaml:$line:1: unknown key 'stor'"
	eq "$(dump)" "$before"
}

@test "kmcard-issue: a user without clerk or admin is refused, nothing written" {
	km_config helpdesk
	before=$(dump)
	run -3 --separate-stderr kmcard-issue -t "${RES[@]}"
	eq "$output" ""
	eq "$stderr" "kmcard-issue: permission denied for user '$(id -un)': needs the role clerk or admin (roles in km.yaml(5))"
	eq "$(dump)" "$before"
	printf 'type,pesel,first_name,surname,street,postcode,city\nresident,%s,Ewa,Lis,ul. A,00-001,W\n' \
	    "$(pesel 800101 1111)" >batch.csv
	run -3 --separate-stderr kmcard-issue -t <batch.csv
	eq "$output" ""
	eq "$stderr" "kmcard-issue: permission denied for user '$(id -un)': needs the role clerk or admin (roles in km.yaml(5))"
	eq "$(dump)" "$before"
}

@test "kmcard-issue: clerk and admin may issue" {
	km_config clerk
	run -0 --separate-stderr kmcard-issue -t "${RES[@]}"
	eq "$stderr" ""
	km_config admin
	run -0 --separate-stderr kmcard-issue -t "${ENT[@]}"
	eq "$stderr" ""
	eq "$(sqlite3 km.db 'SELECT count(*) FROM card')" 2
	eq "$(sqlite3 km.db "SELECT DISTINCT actor FROM card_event")" "$(id -un)"
}

# -------------------------------------------------------------------- options

@test "kmcard-issue: -h prints the usage on stdout and exits 0" {
	run -0 --separate-stderr kmcard-issue -h
	eq "$output" "$USAGE"
	eq "$stderr" ""
}

@test "kmcard-issue: -V prints the version" {
	run -0 --separate-stderr kmcard-issue -V
	eq "$output" "kmcard-issue (km) 0.1.0"
	eq "$stderr" ""
}

@test "kmcard-issue: an unknown option is a usage error" {
	before=$(dump)
	run -2 --separate-stderr kmcard-issue -x "${RES[@]}"
	eq "$output" ""
	eq "${#stderr_lines[@]}" 2
	eq "${stderr_lines[0]}" "kmcard-issue: invalid option -- 'x'"
	eq "${stderr_lines[1]}" "$USAGE"
	eq "$(dump)" "$before"
}
