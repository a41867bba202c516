"""The words that mark a line of a signature block, in the 30 languages we read.

Owns the tables: closings ("Regards,", "Mit freundlichen Grüßen"), job-title words,
company-form suffixes ("GmbH", "Sp. z o.o."), phone labels ("T:", "Mob."), street words
for postal addresses, and the two word families whose meeting makes a paragraph a
confidentiality notice. All entries are case-folded. ``gateway.inbound.signature_lines``
reads them; nothing here matches anything.

Stdlib only; must not import anything from gateway.store / gateway.core.
"""

from __future__ import annotations

# A line that is one of these (after trailing punctuation) closes the person's text; the
# line under it is their name.
CLOSINGS = frozenset(
    (
        # en
        "regards", "best regards", "kind regards", "warm regards", "warmest regards",
        "best", "all best", "all the best", "best wishes", "many thanks", "thanks", "thank you",
        "thanks again", "thanks in advance", "cheers", "sincerely", "yours sincerely",
        "sincerely yours", "yours truly", "yours faithfully", "yours", "take care",
        "respectfully", "with thanks", "with best regards", "with kind regards", "rgds", "br",
        "kr", "talk soon", "speak soon", "thx",
        # de
        "mit freundlichen grüßen", "mit freundlichen grüssen", "mit freundlichem gruß",
        "mit freundlichem gruss", "freundliche grüße", "freundliche grüsse", "mfg",
        "viele grüße", "viele grüsse", "beste grüße", "beste grüsse", "liebe grüße",
        "liebe grüsse", "herzliche grüße", "herzliche grüsse", "schöne grüße", "grüße",
        "grüsse", "gruß", "gruss", "lg", "vg", "besten dank", "vielen dank", "danke",
        # fr
        "cordialement", "bien cordialement", "très cordialement", "bien à vous", "bien à toi",
        "salutations", "meilleures salutations", "sincères salutations", "amicalement",
        "merci", "merci beaucoup", "bonne journée", "à bientôt", "bien amicalement",
        # es
        "saludos", "un saludo", "saludos cordiales", "atentamente", "cordialmente", "gracias",
        "muchas gracias", "un abrazo", "un cordial saludo",
        # it
        "cordiali saluti", "saluti", "distinti saluti", "grazie", "grazie mille", "un saluto",
        "buona giornata", "a presto", "cordialità",
        # pt
        "atenciosamente", "cumprimentos", "melhores cumprimentos", "com os melhores cumprimentos",
        "abraços", "abraço", "um abraço", "obrigado", "obrigada", "saudações",
        # nl
        "met vriendelijke groet", "met vriendelijke groeten", "vriendelijke groet",
        "vriendelijke groeten", "groeten", "groet", "mvg", "hartelijke groet", "bedankt",
        "dank je", "dank u",
        # sv, da, nb
        "med vänliga hälsningar", "vänliga hälsningar", "mvh", "hälsningar", "tack",
        "med venlig hilsen", "venlig hilsen", "hilsen", "de bedste hilsner", "tak",
        "med vennlig hilsen", "vennlig hilsen", "takk",
        # fi
        "ystävällisin terveisin", "terveisin", "parhain terveisin", "kiitos", "t.",
        # pl, cs, sk
        "pozdrawiam", "z poważaniem", "pozdrowienia", "serdecznie pozdrawiam", "dziękuję",
        "z wyrazami szacunku", "s pozdravem", "s přátelským pozdravem", "děkuji", "díky",
        "s pozdravom", "s priateľským pozdravom", "ďakujem",
        # hu, ro
        "üdvözlettel", "tisztelettel", "köszönöm", "üdv", "baráti üdvözlettel",
        "cu stimă", "cu respect", "mulțumesc", "toate cele bune", "o zi bună",
        # ru, uk, bg
        "с уважением", "спасибо", "всего доброго", "с наилучшими пожеланиями",
        "з повагою", "дякую", "з найкращими побажаннями",
        "поздрави", "с уважение", "благодаря", "поздрав",
        # el, tr
        "με εκτίμηση", "φιλικά", "ευχαριστώ", "με φιλικούς χαιρετισμούς", "χαιρετισμούς",
        "saygılarımla", "iyi çalışmalar", "teşekkürler", "selamlar", "saygılar", "sevgiler",
        # he, ar, fa
        "בברכה", "תודה", "בכבוד רב", "להתראות",
        "مع تحياتي", "تحياتي", "مع خالص التحية", "شكرا", "شكرًا", "مع التحية",
        "با احترام", "با سپاس", "ممنون", "با تشکر", "سپاس",
        # zh, ja, ko
        "此致", "此致敬礼", "此致 敬礼", "谢谢", "謝謝", "祝好", "顺祝商祺", "敬上", "致礼",
        "よろしくお願いします", "よろしくお願いいたします", "宜しくお願いします", "以上",
        "ありがとうございます", "감사합니다", "고맙습니다",
        # vi, id, th
        "trân trọng", "thân ái", "cảm ơn", "xin cảm ơn", "trân trọng cảm ơn",
        "salam", "hormat saya", "terima kasih", "salam hormat", "hormat kami",
        "ขอแสดงความนับถือ", "ขอบคุณ", "ขอบคุณครับ", "ขอบคุณค่ะ", "ด้วยความเคารพ",
    )
)  # fmt: skip

# Words of a job title, as whole words of a short line.
TITLE_WORDS = frozenset(
    (
        # en
        "ceo", "cto", "cfo", "coo", "cio", "cmo", "ciso", "vp", "svp", "evp", "president",
        "director", "manager", "engineer", "developer", "consultant", "founder", "co-founder",
        "cofounder", "partner", "officer", "analyst", "architect", "specialist", "coordinator",
        "administrator", "assistant", "associate", "executive", "principal", "intern",
        "designer", "attorney", "lawyer", "counsel", "solicitor", "barrister", "accountant",
        "professor", "researcher", "scientist", "editor", "chairman", "chairwoman",
        "secretary", "treasurer", "representative", "advisor", "adviser", "recruiter",
        "technician", "supervisor", "paralegal", "programmer", "strategist", "pronouns",
        "buyer", "purchaser", "controller", "head", "lead", "agent", "planner", "owner",
        "department", "dept", "abteilung", "département", "departamento", "dipartimento",
        "afdeling", "avdelning", "dział", "oddělení", "oddelenie", "osztály", "departamentul",
        "отдел", "відділ", "τμήμα", "departmanı", "bölümü", "bagian", "phòng",
        # de
        "geschäftsführer", "geschäftsführerin", "leiter", "leiterin", "abteilungsleiter",
        "entwickler", "entwicklerin", "berater", "beraterin", "ingenieur", "ingenieurin",
        "inhaber", "inhaberin", "vorstand", "prokurist", "sachbearbeiter", "sachbearbeiterin",
        "referent", "referentin", "projektleiter", "projektleiterin", "teamleiter",
        "teamleiterin", "assistent", "assistentin", "rechtsanwalt", "rechtsanwältin",
        # fr
        "directeur", "directrice", "gérant", "gérante", "responsable", "ingénieure", "chef",
        "consultante", "fondateur", "fondatrice", "chargé", "chargée", "associé", "associée",
        "présidente", "développeur", "développeuse", "avocat", "avocate",
        # es, it, pt
        "directora", "gerente", "ingeniero", "ingeniera", "jefe", "jefa", "fundador",
        "fundadora", "presidenta", "desarrollador", "asesor", "asesora", "abogado", "abogada",
        "direttore", "direttrice", "responsabile", "ingegnere", "amministratore", "fondatore",
        "sviluppatore", "consulente", "titolare", "avvocato",
        "diretor", "diretora", "engenheiro", "engenheira", "desenvolvedor", "coordenador",
        "coordenadora", "sócio", "sócia", "advogado", "advogada",
        # nl, sv, da, nb, fi
        "adviseur", "eigenaar", "medewerker", "projectleider", "ontwikkelaar", "oprichter",
        "vd", "projektledare", "utvecklare", "konsult", "grundare", "säljare", "direktør",
        "konsulent", "rådgiver", "udvikler", "ingeniør", "prosjektleder", "utvikler",
        "toimitusjohtaja", "johtaja", "päällikkö", "insinööri", "kehittäjä", "konsultti",
        "myyntipäällikkö", "projektipäällikkö",
        # pl, cs, sk, hu, ro
        "dyrektor", "kierownik", "prezes", "inżynier", "specjalista", "specjalistka",
        "programista", "konsultant", "właściciel", "ředitel", "ředitelka", "jednatel",
        "vedoucí", "inženýr", "riaditeľ", "konateľ", "vedúci", "ügyvezető", "igazgató",
        "vezető", "mérnök", "fejlesztő", "tanácsadó", "inginer", "fondator",
        # ru, uk, bg, el
        "директор", "менеджер", "руководитель", "инженер", "начальник", "разработчик",
        "специалист", "консультант", "основатель", "заместитель", "керівник", "інженер",
        "розробник", "спеціаліст", "засновник", "мениджър", "управител", "ръководител",
        "διευθυντής", "διευθύντρια", "μηχανικός", "υπεύθυνος", "υπεύθυνη", "σύμβουλος",
        # tr, he, ar, fa
        "müdür", "müdürü", "mühendis", "mühendisi", "uzman", "uzmanı", "yönetici", "kurucu",
        "danışman", "sorumlu", "sorumlusu", 'מנכ"ל', "מנהל", "מנהלת", "מהנדס", "יועץ",
        'סמנכ"ל', "مدير", "مهندس", "المدير", "مستشار", "مدیر", "کارشناس", "مدیرعامل",
        # vi, id
        "giám", "kỹ", "trưởng", "direktur", "manajer", "insinyur",
    )
)  # fmt: skip
# Titles in languages written without spaces, matched inside the line.
TITLE_FRAGMENTS = (
    "总经理", "经理", "工程师", "总监", "主管", "董事长", "經理", "工程師", "總監",
    "部長", "課長", "代表取締役", "取締役", "マネージャー", "エンジニア", "営業部",
    "대표이사", "이사", "부장", "과장", "팀장", "매니저", "엔지니어",
    "ผู้จัดการ", "วิศวกร", "ผู้อำนวยการ",
)  # fmt: skip

# Company forms, as the last word(s) of a line.
COMPANY_SUFFIXES = (
    "ltd", "ltd.", "limited", "inc", "inc.", "llc", "llp", "plc", "corp", "corp.",
    "corporation", "gmbh", "gmbh & co. kg", "s.a.", "s.a.s.", "sas", "sarl", "s.à r.l.",
    "s.l.", "s.r.l.", "srl", "s.p.a.", "spa", "b.v.", "n.v.", "a/s", "asa", "oyj",
    "sp. z o.o.", "s.r.o.", "a.s.", "kft", "kft.", "zrt", "zrt.", "ооо", "оао", "зао",
    "пао", "тов", "еоод", "оод", "α.ε.", "a.ş.", "ltd. şti.", 'בע"מ', "有限公司", "株式会社",
    "(주)", "tbk", "co., ltd.", "co.,ltd.", "pty ltd", "pty. ltd.", "gbr", "e.k.", "e.v.",
    "& co", "& co.", "& sons",
)  # fmt: skip
# Short company forms that are also words ("AS", "SE"): only in capitals, as the last word.
COMPANY_SHORT = frozenset(("AG", "KG", "UG", "SE", "SA", "AB", "AS", "BV", "NV", "OY", "PT"))

# Labels in front of a phone number ("T:", "Mob.", "Tel.").
PHONE_LABELS = frozenset(
    (
        "t", "p", "m", "f", "d", "c", "o", "w", "h", "tel", "tél", "tlf", "tfn", "ph", "phone",
        "telephone", "téléphone", "telefon", "telefono", "teléfono", "telefone", "telefoon",
        "mob", "mobile", "mobil", "móvil", "movil", "cell", "cellulare", "cel", "celular",
        "handy", "fax", "telefax", "direct", "dir", "office", "work", "main", "gsm",
        "portable", "port", "puh", "puhelin", "gsm", "mobiel", "tel/fax", "tel./fax",
        "mobilní", "mobilný", "тел", "моб", "факс", "τηλ", "κιν", "טל", "נייד", "פקס",
        "هاتف", "جوال", "فاكس", "تلفن", "همراه", "電話", "电话", "手机", "手機", "携帯",
        "전화", "휴대폰", "팩스", "đt", "dđ", "hp", "telp", "โทร", "มือถือ", "direkt",
        "zentrale", "switchboard", "whatsapp", "landline", "cellphone",
    )
)  # fmt: skip

# Words of a street address; a short line with one of these and a number is an address.
STREET_WORDS = frozenset(
    (
        "street", "st", "st.", "road", "rd", "rd.", "avenue", "ave", "ave.", "blvd", "boulevard",
        "lane", "ln", "drive", "dr.", "suite", "floor", "fl", "building", "court", "square",
        "straße", "strasse", "str.", "weg", "platz", "allee", "gasse", "ring", "rue", "bd",
        "calle", "avda", "avenida", "plaza", "via", "viale", "piazza", "corso", "rua",
        "praça", "laan", "straat", "plein", "gracht", "gatan", "vägen", "gade", "vej", "gate",
        "veien", "katu", "tie", "ulica", "ul.", "ulice", "utca", "út", "strada", "bulevardul",
        "str", "улица", "ул.", "проспект", "вулиця", "вул.", "οδός", "sokak", "sok.", "cadde",
        "caddesi", "cad.", "mahallesi", "mah.", "רחוב", "شارع", "خیابان", "đường", "jalan",
        "jl.", "ถนน", "box", "postfach", "cp", "bp",
    )
)  # fmt: skip

# A confidentiality notice names confidentiality, the one it was meant for (or a mistaken
# delivery) and what to do (delete it, notify us); a person may well write one or two.
NOTICE_SECRECY = (
    "confidential", "privileged", "vertraulich", "confidentiel", "confidencial",
    "riservat", "confidenzial", "vertrouwelijk", "konfidentiel", "fortrolig",
    "konfidensiell", "luottamuksellinen", "poufn", "důvěrn", "dôvern", "bizalmas",
    "confiden", "конфиденциальн", "конфіденційн", "поверителн", "εμπιστευτικ", "gizli",
    "סודי", "سري", "محرمان", "机密", "機密", "保密", "기밀", "bảo mật", "rahasia", "ความลับ",
    "disclaimer", "haftungsausschluss",
)  # fmt: skip
NOTICE_ADDRESSEE = (
    "intended", "recipient", "addressee", "empfänger", "adressat", "destinataire",
    "destinatario", "destinatário", "geadresseerde", "ontvanger", "mottagare", "modtager",
    "mottaker", "vastaanottaja", "adresat", "příjemce", "adresát", "príjemca", "címzett",
    "destinatar", "получател", "адресат", "одержувач", "παραλήπτ", "alıcı", "נמען",
    "المرسل إليه", "المستلم", "گیرنده", "收件人", "收件者", "受信者", "宛先", "수신자",
    "người nhận", "penerima", "ผู้รับ", "in error", "irrtümlich", "par erreur",
    "por error", "per errore", "por engano", "per vergissing", "av misstag", "ved en fejl",
    "ved en feil", "erroneamente", "по ошибке", "помилково",
)  # fmt: skip
NOTICE_ACTION = (
    "delete", "destroy", "notify", "prohibit", "unauthori", "disclos", "copying",
    "distribut", "löschen", "vernichten", "benachrichtig", "untersagt", "unzulässig",
    "supprim", "détrui", "interdit", "elimin", "destru", "prohibid", "cancell", "distrugg",
    "vietat", "apag", "verwijder", "vernietig", "radera", "förstör", "slet", "poista",
    "usun", "zniszcz", "smaž", "zmaž", "töröl", "șterge", "sterge", "удал", "уничтож",
    "видал", "изтри", "διαγράψ", "sil", "מחק", "حذف", "删除", "刪除", "削除", "삭제", "xóa",
    "hapus", "ลบ",
)  # fmt: skip
# ...and it speaks of the mail itself, impersonally ("this e-mail and any attachments").
NOTICE_SUBJECT = (
    "this e-mail", "this email", "this message", "this communication", "this transmission",
    "the information contained", "diese e-mail", "diese email", "diese nachricht",
    "ce message", "ce courriel", "cet e-mail", "cet email", "este mensaje", "este correo",
    "questo messaggio", "questa e-mail", "questa email", "esta mensagem", "este e-mail",
    "dit bericht", "deze e-mail", "detta meddelande", "denna e-post", "denne e-mail",
    "denne meldingen", "denne e-posten", "tämä viesti", "tämä sähköposti", "ta wiadomość",
    "tato zpráva", "tento e-mail", "táto správa", "ez az e-mail", "ez az üzenet",
    "acest mesaj", "acest e-mail", "это сообщение", "данное сообщение", "це повідомлення",
    "това съобщение", "το παρόν", "αυτό το μήνυμα", "bu e-posta", "bu mesaj", "הודעה זו",
    "هذه الرسالة", "هذا البريد", "این پیام", "این ایمیل", "本邮件", "本郵件", "此邮件",
    "このメール", "本メール", "이 메일", "본 메일", "email này", "thư này", "email ini",
    "pesan ini", "อีเมลนี้",
)  # fmt: skip
# A footer line that asks not to print the mail names the environment and printing.
FOOTER_NATURE = (
    "environment", "planet", "umwelt", "environnement", "planète",
    "medio ambiente", "ambiente", "milieu", "miljö", "miljø", "ympäristö", "środowisk",
    "životní prostředí", "životné prostredie", "környezet", "mediul", "окружающ", "природ",
    "довкілля", "околната среда", "περιβάλλον", "çevre", "סביבה", "البيئة", "محیط زیست",
    "环境", "環境", "환경", "môi trường", "lingkungan", "สิ่งแวดล้อม",
)  # fmt: skip
FOOTER_PRINT = (
    "print", "druck", "imprim", "stamp", "afdruk", "skriv ut", "udskriv", "tulost",
    "drukuj", "tisk", "tlač", "nyomtat", "печат", "друк", "εκτυπ", "yazdır", "הדפס",
    "طباعة", "چاپ", "打印", "列印", "印刷", "인쇄", "in thư", "mencetak", "พิมพ์",
)  # fmt: skip

# Words that point at the lines under them ("My new number is below", "Please ship to"):
# the person gives what follows on purpose, and nothing under them is cut.
POINTER_HINTS = (
    "here is", "here's", "here are", "below", "reach me", "ship to", "send to",
    "send it to", "deliver to", "unten", "erreichbar", "ci-dessous", "joindre", "abajo",
    "sotto", "abaixo", "hieronder", "nedan", "nedenfor", "poniżej", "níže", "nižšie",
    "alább", "mai jos", "ниже", "нижче", "по-долу", "παρακάτω", "aşağıda", "למטה", "أدناه",
    "زیر", "以下", "如下", "아래", "dưới đây", "di bawah", "ด้านล่าง",
)  # fmt: skip
# Words naming contact data or a delivery ("my new number", "shipping address"): in a
# short line of the person's among or above the data, they keep the data too.
DATA_NOUNS = (
    "number", "address", "details", "shipping", "delivery", "nummer", "adresse",
    "lieferadresse", "versand", "numéro", "coordonnées", "livraison", "número", "dirección",
    "envío", "entrega", "numero", "indirizzo", "consegna", "spedizione", "endereço",
    "levering", "leverans", "toimitus", "dostaw", "doručen", "szállítás", "livrare",
    "номер", "адрес", "доставк", "παράδοση", "numara", "teslimat", "משלוח", "رقم", "توصيل",
    "شماره", "号码", "電話番号", "配送", "送货", "收货", "번호", "배송", "số điện thoại",
    "giao hàng", "nomor", "pengiriman", "เบอร์", "จัดส่ง",
)  # fmt: skip

# Words of a sentence, not of a title or an address line ("Meet at Room 4, Building 2",
# "The director is out"): a line with one of them is the person's.
SENTENCE_WORDS = frozenset(
    (
        "i", "we", "you", "he", "she", "they", "my", "your", "our", "is", "are", "was",
        "were", "will", "would", "has", "have", "had", "can", "could", "should", "meet",
        "see", "call", "ich", "wir", "sie", "ist", "sind", "je", "nous", "vous",
        "est", "sont", "yo", "es", "son", "io", "è", "eu", "é", "ik", "wij", "jag", "vi",
        "är", "er", "jeg", "on", "jest", "я", "мы", "вы",
    )
)  # fmt: skip
