"""The 30 languages of the catalogue: how mail clients word their quote headers in each,
and short natural replies and quoted messages written in each.

Every date is Monday 7 December 2026, 10:04. Attribution templates take ``{n}`` (the
quoted sender's name) and ``{a}`` (their address). Outlook labels are the header block's
field names (From, Sent, To, Subject) as the client translates them; ``colon`` is what
follows them (a full-width colon in Chinese and Japanese).
"""

from __future__ import annotations

from dataclasses import dataclass

# Bidi controls Gmail wraps right-to-left attributions in (Unicode TR 9): right-to-left
# embedding, left-to-right embedding, pop, and the right-to-left mark.
RLE, LRE, PDF, RLM = "\u202b", "\u202a", "\u202c", "\u200f"


@dataclass(frozen=True, slots=True)
class Language:
    code: str
    sender: tuple[str, str]  # who wrote the quoted message: (name, address)
    replier: tuple[str, str]  # who answers
    subject: str
    original: tuple[str, ...]  # the quoted message, one paragraph per item
    replies: tuple[str, ...]  # what the person writes (lines joined by "\n")
    gmail: str  # Gmail web's attribution line
    apple: str  # Apple Mail / iOS Mail attribution line
    outlook: tuple[str, str, str, str]  # From, Sent, To, Subject labels
    outlook_date: str
    iphone: str  # "Sent from my iPhone"
    colon: str = ":"


def _rtl(text: str) -> str:
    """An attribution as Gmail writes it in a right-to-left UI: embedded, names isolated."""
    return RLE + text + PDF


# fmt: off
LANGUAGES: tuple[Language, ...] = (
    Language(
        "en", ("Alice Archer", "alice.archer@example.com"), ("Bob Baker", "bob@example.org"),
        "Venue for the spring workshop",
        ("Hi Bob,", "Could you check whether the hall on Market Street is free on 14 March?"
         " We need room for about forty people.", "Thanks,\nAlice"),
        ("Yes, it is free that day. I have pencilled us in until 6pm.\n\nBob",
         "Ok", "Two things:\n- the hall holds 35, not 40\n- parking is behind the station\n\n"
         "Regards,\nBob"),
        "On Mon, 7 Dec 2026 at 10:04, {n} <{a}> wrote:",
        "On 7 Dec 2026, at 10:04, {n} <{a}> wrote:",
        ("From", "Sent", "To", "Subject"), "Monday, December 7, 2026 10:04 AM",
        "Sent from my iPhone",
    ),
    Language(
        "de", ("Anna Schmidt", "anna.schmidt@example.de"), ("Jonas Weber", "jonas@example.de"),
        "Termin für die Jahresplanung",
        ("Hallo Jonas,", "passt dir Donnerstag um 15 Uhr für die Jahresplanung? Sonst ginge"
         " auch Freitagvormittag.", "Viele Grüße\nAnna"),
        ("Donnerstag passt mir gut. Ich bringe die Zahlen vom letzten Quartal mit.\n\nGruß\nJonas",
         "Geht klar, danke!", "Freitag wäre mir lieber, am Donnerstag bin ich beim Kunden.\n"
         "Ab 9 Uhr bin ich im Büro."),
        "Am Mo., 7. Dez. 2026 um 10:04 Uhr schrieb {n} <{a}>:",
        "Am 07.12.2026 um 10:04 schrieb {n} <{a}>:",
        ("Von", "Gesendet", "An", "Betreff"), "Montag, 7. Dezember 2026 10:04",
        "Von meinem iPhone gesendet",
    ),
    Language(
        "fr", ("Claire Martin", "claire.martin@example.fr"), ("Luc Bernard", "luc@example.fr"),
        "Réunion de rentrée",
        ("Bonjour Luc,", "Peux-tu confirmer ta présence à la réunion de mardi prochain ? Il"
         " faudrait aussi réserver la salle du deuxième étage.", "Merci,\nClaire"),
        ("Oui, je serai là. Je m'occupe de réserver la salle.\n\nBonne journée,\nLuc",
         "C'est noté, merci !", "Je ne pourrai pas venir mardi, désolé.\n"
         "Est-ce qu'on peut décaler à jeudi ?"),
        "Le lun. 7 déc. 2026 à 10:04, {n} <{a}> a écrit\u00a0:",
        "Le 7 déc. 2026 à 10:04, {n} <{a}> a écrit\u00a0:",
        ("De", "Envoyé", "À", "Objet"), "lundi 7 décembre 2026 10:04",
        "Envoyé de mon iPhone",
    ),
    Language(
        "es", ("Lucía García", "lucia.garcia@example.es"), ("Pablo Ruiz", "pablo@example.es"),
        "Presupuesto del proyecto",
        ("Hola Pablo:", "¿Puedes revisar el presupuesto antes del viernes? Creo que falta"
         " la partida de transporte.", "Un saludo,\nLucía"),
        ("Lo reviso mañana por la mañana y te digo algo.\n\nSaludos,\nPablo",
         "👍", "Tienes razón, falta el transporte. Lo añado y te lo reenvío hoy."),
        "El lun, 7 dic 2026 a las 10:04, {n} (<{a}>) escribió:",
        "El 7 dic 2026, a las 10:04, {n} <{a}> escribió:",
        ("De", "Enviado", "Para", "Asunto"), "lunes, 7 de diciembre de 2026 10:04",
        "Enviado desde mi iPhone",
    ),
    Language(
        "it", ("Giulia Rossi", "giulia.rossi@example.it"), ("Marco Bianchi", "marco@example.it"),
        "Consegna dei materiali",
        ("Ciao Marco,", "riesci a mandarmi i materiali per la presentazione entro mercoledì?"
         " Il cliente li vuole vedere prima dell'incontro.", "Grazie,\nGiulia"),
        ("Certo, te li mando domani pomeriggio.\n\nCiao,\nMarco", "Va bene, grazie.",
         "Mercoledì è un po' stretto. Posso mandarti una prima bozza martedì sera?"),
        "Il giorno lun 7 dic 2026 alle ore 10:04 {n} <{a}> ha scritto:",
        "Il giorno 7 dic 2026, alle ore 10:04, {n} <{a}> ha scritto:",
        ("Da", "Inviato", "A", "Oggetto"), "lunedì 7 dicembre 2026 10:04",
        "Inviato da iPhone",
    ),
    Language(
        "pt", ("Beatriz Costa", "beatriz.costa@example.com.br"),
        ("Rafael Lima", "rafael@example.com.br"), "Entrega do relatório",
        ("Oi Rafael,", "Você consegue me enviar o relatório de vendas até quinta-feira?"
         " Preciso dele para a reunião com a diretoria.", "Obrigada,\nBeatriz"),
        ("Consigo sim, envio na quarta à tarde.\n\nAbraços,\nRafael", "Combinado!",
         "Vou precisar de mais um dia, os números de novembro ainda não fecharam."),
        "Em seg., 7 de dez. de 2026 às 10:04, {n} <{a}> escreveu:",
        "Em 7 de dez. de 2026, à(s) 10:04, {n} <{a}> escreveu:",
        ("De", "Enviado", "Para", "Assunto"), "segunda-feira, 7 de dezembro de 2026 10:04",
        "Enviado do meu iPhone",
    ),
    Language(
        "nl", ("Sanne de Vries", "sanne@example.nl"), ("Daan Jansen", "daan@example.nl"),
        "Planning van de verhuizing",
        ("Hoi Daan,", "Kun jij zaterdag helpen met de verhuizing? We beginnen om negen uur"
         " bij het oude kantoor.", "Groetjes,\nSanne"),
        ("Ja hoor, ik ben er om negen uur. Zal ik de bus regelen?\n\nDaan",
         "Prima!", "Zaterdag lukt niet, ik ben op een bruiloft. Zondag kan ik wel."),
        "Op ma 7 dec 2026 om 10:04 schreef {n} <{a}>:",
        "Op 7 dec. 2026 om 10:04 heeft {n} <{a}> het volgende geschreven:",
        ("Van", "Verzonden", "Aan", "Onderwerp"), "maandag 7 december 2026 10:04",
        "Verstuurd vanaf mijn iPhone",
    ),
    Language(
        "sv", ("Emma Lindqvist", "emma@example.se"), ("Oskar Nilsson", "oskar@example.se"),
        "Styrelsemötet i januari",
        ("Hej Oskar,", "Kan du skicka dagordningen till styrelsemötet senast på fredag?",
         "Hälsningar,\nEmma"),
        ("Absolut, jag skickar den på torsdag.\n\nMvh\nOskar", "Tack, det blir bra.",
         "Jag har lagt till två punkter:\n- budget för våren\n- ny webbplats"),
        "Den mån 7 dec. 2026 kl 10:04 skrev {n} <{a}>:",
        "7 dec. 2026 kl. 10:04 skrev {n} <{a}>:",
        ("Från", "Skickat", "Till", "Ämne"), "den 7 december 2026 10:04",
        "Skickat från min iPhone",
    ),
    Language(
        "da", ("Freja Hansen", "freja@example.dk"), ("Mikkel Jensen", "mikkel@example.dk"),
        "Julefrokost",
        ("Hej Mikkel,", "Vil du stå for bordbestillingen til julefrokosten? Vi er cirka"
         " tyve personer.", "Venlig hilsen\nFreja"),
        ("Det gør jeg gerne. Jeg ringer til restauranten i morgen.\n\nMikkel", "Super, tak!",
         "Jeg kan desværre ikke i år, men jeg kan hjælpe med at finde et sted."),
        "Den man. 7. dec. 2026 kl. 10.04 skrev {n} <{a}>:",
        "Den 7. dec. 2026 kl. 10.04 skrev {n} <{a}>:",
        ("Fra", "Sendt", "Til", "Emne"), "7. december 2026 10:04",
        "Sendt fra min iPhone",
    ),
    Language(
        "nb", ("Ingrid Berg", "ingrid@example.no"), ("Lars Haugen", "lars@example.no"),
        "Hytteturen i februar",
        ("Hei Lars,", "Har du lyst til å bli med på hytteturen i februar? Vi drar fredag"
         " ettermiddag.", "Hilsen Ingrid"),
        ("Ja, gjerne! Jeg kan kjøre hvis noen trenger skyss.\n\nLars", "Høres bra ut.",
         "Jeg må sjekke med jobben først, så svarer jeg i morgen."),
        "man. 7. des. 2026 kl. 10:04 skrev {n} <{a}>:",
        "7. des. 2026 kl. 10:04 skrev {n} <{a}>:",
        ("Fra", "Sendt", "Til", "Emne"), "mandag 7. desember 2026 10:04",
        "Sendt fra min iPhone",
    ),
    Language(
        "fi", ("Aino Virtanen", "aino@example.fi"), ("Eero Korhonen", "eero@example.fi"),
        "Kevään koulutuspäivä",
        ("Hei Eero,", "Ehditkö katsoa koulutuspäivän ohjelman ennen keskiviikkoa?",
         "Terveisin\nAino"),
        ("Katsoin sen jo, näyttää hyvältä. Lounas voisi olla puoli tuntia pidempi.\n\nEero",
         "Kiitos!", "En ehdi ennen torstaita, pahoittelut."),
        "ma 7.12.2026 klo 10.04 {n} ({a}) kirjoitti:",
        "{n} <{a}> kirjoitti 7.12.2026 kello 10.04:",
        ("Lähettäjä", "Lähetetty", "Vastaanottaja", "Aihe"), "maanantai 7. joulukuuta 2026 10.04",
        "Lähetetty iPhonesta",
    ),
    Language(
        "pl", ("Katarzyna Nowak", "kasia@example.pl"), ("Piotr Wiśniewski", "piotr@example.pl"),
        "Faktura za listopad",
        ("Cześć Piotrze,", "czy możesz wysłać fakturę za listopad do końca tygodnia?",
         "Pozdrawiam\nKasia"),
        ("Jasne, wyślę ją jutro rano.\n\nPozdrawiam,\nPiotr", "OK, dzięki.",
         "Faktura jest już w załączniku, przepraszam za opóźnienie."),
        "pon., 7 gru 2026 o 10:04 {n} <{a}> napisał(a):",
        "Wiadomość napisana przez {n} <{a}> w dniu 07.12.2026, o godz. 10:04:",
        ("Od", "Wysłane", "Do", "Temat"), "poniedziałek, 7 grudnia 2026 10:04",
        "Wysłane z iPhone'a",
    ),
    Language(
        "cs", ("Tereza Novotná", "tereza@example.cz"), ("Jakub Dvořák", "jakub@example.cz"),
        "Školení v lednu",
        ("Ahoj Jakube,", "můžeš mi prosím poslat seznam účastníků lednového školení?",
         "Díky\nTereza"),
        ("Posílám ho zítra, ještě čekám na dvě potvrzení.\n\nJakub", "Jasně, díky.",
         "Seznam je v příloze. Chybí jen oddělení IT."),
        "po 7. 12. 2026 v 10:04 odesílatel {n} <{a}> napsal:",
        "{n} <{a}> napsal(a) 7. 12. 2026 v 10:04:",
        ("Od", "Odesláno", "Komu", "Předmět"), "pondělí 7. prosince 2026 10:04",
        "Odesláno z iPhonu",
    ),
    Language(
        "sk", ("Zuzana Kováčová", "zuzana@example.sk"), ("Martin Horváth", "martin@example.sk"),
        "Objednávka kancelárskych potrieb",
        ("Ahoj Martin,", "potrebuješ niečo do objednávky kancelárskych potrieb? Posielam ju"
         " v stredu.", "Zuzana"),
        ("Áno, prosím dva balíky papiera a modré perá.\n\nVďaka,\nMartin", "Nie, ďakujem.",
         "Pridaj prosím aj nový toner do tlačiarne na druhom poschodí."),
        "po 7. 12. 2026 o 10:04 {n} <{a}> napísal(a):",
        "{n} <{a}> napísal(a) 7. 12. 2026 o 10:04:",
        ("Od", "Odoslané", "Komu", "Predmet"), "pondelok 7. decembra 2026 10:04",
        "Odoslané z iPhonu",
    ),
    Language(
        "hu", ("Kovács Eszter", "eszter@example.hu"), ("Nagy Gábor", "gabor@example.hu"),
        "Karácsonyi vásár",
        ("Szia Gábor!", "Tudnál segíteni szombaton a karácsonyi vásáron a standnál?",
         "Köszi,\nEszter"),
        ("Szívesen, délig ott tudok lenni.\n\nÜdv,\nGábor", "Rendben!",
         "Szombaton sajnos nem érek rá, de vasárnap igen."),
        "{n} <{a}> ezt írta (időpont: 2026. dec. 7., H, 10:04):",
        "2026. dec. 7. dátummal, 10:04 időpontban {n} <{a}> írta:",
        ("Feladó", "Elküldve", "Címzett", "Tárgy"), "2026. december 7., hétfő 10:04",
        "iPhone-ról küldve",
    ),
    Language(
        "ro", ("Ioana Popescu", "ioana@example.ro"), ("Andrei Ionescu", "andrei@example.ro"),
        "Contractul de închiriere",
        ("Bună Andrei,", "Ai apucat să citești contractul de închiriere? Proprietarul"
         " așteaptă un răspuns până joi.", "Mulțumesc,\nIoana"),
        ("L-am citit, e în regulă. Îl semnez mâine.\n\nAndrei", "Da, mersi.",
         "Am o întrebare la punctul 4: cine plătește întreținerea?"),
        "Pe lun., 7 dec. 2026 la 10:04, {n} <{a}> a scris:",
        "Pe 7 dec. 2026, la 10:04, {n} <{a}> a scris:",
        ("De la", "Trimis", "Către", "Subiect"), "luni, 7 decembrie 2026 10:04",
        "Trimis de pe iPhone-ul meu",
    ),
    Language(
        "ru", ("Ольга Смирнова", "olga@example.ru"), ("Дмитрий Иванов", "dmitry@example.ru"),
        "Отчёт за квартал",
        ("Дмитрий, добрый день!", "Пришлите, пожалуйста, отчёт за квартал до пятницы.",
         "Спасибо,\nОльга"),
        ("Добрый день! Отчёт будет готов в четверг, сразу пришлю.\n\nДмитрий", "Хорошо.",
         "Ольга, в отчёте не хватает данных по складу. Могу прислать без них?"),
        "пн, 7 дек. 2026 г. в 10:04, {n} <{a}>:",
        "7 дек. 2026 г., в 10:04, {n} <{a}> написал(а):",
        ("От", "Отправлено", "Кому", "Тема"), "7 декабря 2026 г. 10:04",
        "Отправлено с iPhone",
    ),
    Language(
        "uk", ("Олена Коваленко", "olena@example.ua"), ("Андрій Шевченко", "andriy@example.ua"),
        "Зустріч з партнерами",
        ("Привіт, Андрію!", "Чи зможеш ти провести зустріч з партнерами у вівторок?",
         "Дякую,\nОлена"),
        ("Так, зможу. Підготую коротку презентацію.\n\nАндрій", "Добре, дякую!",
         "У вівторок я у відрядженні. Може, перенесемо на середу?"),
        "пн, 7 груд. 2026 р. о 10:04 {n} <{a}> пише:",
        "7 груд. 2026 р. о 10:04 {n} <{a}> пише:",
        ("Від", "Надіслано", "Кому", "Тема"), "понеділок, 7 грудня 2026 р. 10:04",
        "Надіслано з iPhone",
    ),
    Language(
        "bg", ("Мария Петрова", "maria@example.bg"), ("Георги Димитров", "georgi@example.bg"),
        "Ремонт на офиса",
        ("Здравей, Георги,", "Кога ще дойдат майсторите за ремонта на офиса?", "Поздрави,\nМария"),
        ("Ще дойдат в сряда сутринта, около девет.\n\nГеорги", "Добре.",
         "Още нямам отговор от тях. Ще им се обадя отново следобед."),
        "пн, 7.12.2026 г. в 10:04 ч. {n} <{a}> написа:",
        "На 7.12.2026 г., в 10:04, {n} <{a}> написа:",
        ("От", "Изпратено", "До", "Тема"), "понеделник, 7 декември 2026 г. 10:04",
        "Изпратено от моя iPhone",
    ),
    Language(
        "el", ("Μαρία Παπαδοπούλου", "maria@example.gr"), ("Νίκος Γεωργίου", "nikos@example.gr"),
        "Πρόγραμμα εκδρομής",
        ("Γεια σου Νίκο,", "Μπορείς να μου στείλεις το πρόγραμμα της εκδρομής μέχρι την"
         " Τετάρτη;", "Ευχαριστώ,\nΜαρία"),
        ("Ναι, θα σου το στείλω αύριο το πρωί.\n\nΝίκος", "Εντάξει!",
         "Το πρόγραμμα αλλάζει λίγο, θα σου πω λεπτομέρειες την Τρίτη."),
        "Δευ 7 Δεκ 2026 στις 10:04, ο/η {n} <{a}> έγραψε:",
        "Στις 7 Δεκ 2026, στις 10:04, ο χρήστης {n} <{a}> έγραψε:",
        ("Από", "Εστάλη", "Προς", "Θέμα"), "Δευτέρα, 7 Δεκεμβρίου 2026 10:04 π.μ.",
        "Στάλθηκε από το iPhone μου",
    ),
    Language(
        "tr", ("Ayşe Yılmaz", "ayse@example.com.tr"), ("Mehmet Demir", "mehmet@example.com.tr"),
        "Yeni ofis anahtarları",
        ("Merhaba Mehmet,", "Yeni ofisin anahtarlarını ne zaman alabiliriz?", "Teşekkürler,\nAyşe"),
        ("Cuma günü öğleden sonra alabiliriz, ben giderim.\n\nMehmet", "Tamam.",
         "Emlakçı henüz dönmedi, yarın tekrar arayacağım."),
        "{n} <{a}>, 7 Ara 2026 Pzt, 10:04 tarihinde şunu yazdı:",
        "7 Ara 2026 tarihinde 10:04 saatinde, {n} <{a}> şunları yazdı:",
        ("Kimden", "Gönderildi", "Kime", "Konu"), "7 Aralık 2026 Pazartesi 10:04",
        "iPhone'umdan gönderildi",
    ),
    Language(
        "he", ("נועה כהן", "noa@example.co.il"), ("יוסי לוי", "yossi@example.co.il"),
        "ישיבת צוות",
        ("היי יוסי,", "אפשר להזיז את ישיבת הצוות ליום רביעי?", "תודה,\nנועה"),
        ("כן, רביעי מתאים לי. בשעה עשר?\n\nיוסי", "בסדר גמור.",
         "ברביעי אני בחופש. אולי ביום חמישי?"),
        _rtl(f"בתאריך יום ב׳, 7 בדצמ׳ 2026 ב-10:04 מאת {LRE}{{n}}{PDF}{RLM}"
             f" <{LRE}{{a}}{PDF}{RLM}>:"),
        f"ב-7 בדצמ׳ 2026, בשעה 10:04, {{n}}{RLM} <{{a}}> כתב/ה:",
        ("מאת", "נשלח", "אל", "נושא"), "יום שני 07 דצמבר 2026 10:04",
        "נשלח מה-iPhone שלי",
    ),
    Language(
        "ar", ("ليلى حسن", "layla@example.ae"), ("عمر خالد", "omar@example.ae"),
        "موعد الاجتماع",
        ("مرحبا عمر،", "هل يمكنك تأكيد موعد الاجتماع يوم الخميس؟", "شكرا،\nليلى"),
        ("نعم، الموعد مؤكد الساعة العاشرة صباحا.\n\nعمر", "تمام، شكرا.",
         "لا أستطيع يوم الخميس، هل يناسبك يوم الأحد؟"),
        _rtl(f"في الاثنين، 7 ديسمبر 2026 في 10:04 ص تمت كتابة ما يلي بواسطة {LRE}{{n}}{PDF}{RLM}"
             f" <{LRE}{{a}}{PDF}{RLM}>:"),
        f"في 7 ديسمبر 2026، الساعة 10:04، كتب {{n}}{RLM} <{{a}}>:",
        ("من", "تاريخ الإرسال", "إلى", "الموضوع"), "الاثنين، 7 ديسمبر، 2026 10:04 ص",
        "أُرسلت من الـ iPhone",
    ),
    Language(
        "fa", ("سارا احمدی", "sara@example.ir"), ("علی رضایی", "ali@example.ir"),
        "گزارش ماهانه",
        ("سلام علی،", "لطفا گزارش ماهانه را تا چهارشنبه بفرست.", "ممنون،\nسارا"),
        ("سلام، حتما. تا سه‌شنبه آماده می‌شود.\n\nعلی", "باشه، ممنون.",
         "چند عدد هنوز از حسابداری نیامده، ممکن است یک روز دیرتر بفرستم."),
        _rtl(f"{LRE}{{n}}{PDF}{RLM} <{LRE}{{a}}{PDF}{RLM}> در تاریخ دوشنبه ۷ دسامبر ۲۰۲۶ ساعت"
             f" ۱۰:۰۴ نوشت:"),
        f"در ۷ دسامبر ۲۰۲۶، ساعت ۱۰:۰۴، {{n}}{RLM} <{{a}}> نوشت:",
        ("از", "ارسال شده", "به", "موضوع"), "دوشنبه، ۷ دسامبر ۲۰۲۶ ۱۰:۰۴",
        "ارسال شده از iPhone من",
    ),
    Language(
        "zh", ("李娜", "li.na@example.cn"), ("王伟", "wang.wei@example.cn"), "年会安排",
        ("王伟你好，", "年会的场地你那边确定了吗？我们需要在周五前给酒店答复。", "谢谢！\n李娜"),
        ("已经确定了，就订在上次那家酒店。合同我明天发给你。\n\n王伟", "好的，收到。",
         "还没有，有两家在比价：\n1. 市中心的酒店\n2. 会展中心旁边的酒店\n周三前给你答复。"),
        "{n} <{a}> 于2026年12月7日周一 10:04写道：",
        "2026年12月7日 10:04，{n} <{a}> 写道：",
        ("发件人", "发送时间", "收件人", "主题"), "2026年12月7日 10:04",
        "从我的iPhone发送", "：",
    ),
    Language(
        "ja", ("佐藤美咲", "misaki.sato@example.jp"), ("田中健", "ken.tanaka@example.jp"),
        "来週の打ち合わせ",
        ("田中さん", "来週の打ち合わせですが、水曜日の午後は空いていますか？",
         "よろしくお願いします。\n佐藤"),
        ("水曜日の午後は大丈夫です。14時からでいかがでしょうか。\n\n田中", "承知しました。",
         "すみません、水曜日は出張中です。木曜日の午前中はいかがですか？"),
        "2026年12月7日(月) 10:04 {n} <{a}>:",
        "2026/12/07 10:04、{n} <{a}>のメール:",
        ("差出人", "送信日時", "宛先", "件名"), "2026年12月7日 10:04",
        "iPhoneから送信", "：",
    ),
    Language(
        "ko", ("김지은", "jieun.kim@example.kr"), ("박민수", "minsu.park@example.kr"),
        "신제품 출시 일정",
        ("민수 씨, 안녕하세요.", "신제품 출시 일정을 이번 주 금요일까지 알려 주실 수 있나요?",
         "감사합니다.\n김지은 드림"),
        ("네, 목요일까지 정리해서 보내 드리겠습니다.\n\n박민수", "알겠습니다!",
         "일정이 조금 늦어질 것 같습니다. 다음 주 월요일에 말씀드려도 될까요?"),
        "2026년 12월 7일 (월) 오전 10:04, {n} <{a}>님이 작성:",
        "2026. 12. 7. 오전 10:04, {n} <{a}> 작성:",
        ("보낸 사람", "보낸 날짜", "받는 사람", "제목"), "2026년 12월 7일 월요일 오전 10:04",
        "나의 iPhone에서 보냄",
    ),
    Language(
        "vi", ("Nguyễn Thu Hà", "ha.nguyen@example.vn"), ("Trần Minh", "minh.tran@example.vn"),
        "Lịch họp tuần sau",
        ("Chào anh Minh,", "Anh có thể họp vào sáng thứ Ba tuần sau không ạ?", "Cảm ơn anh,\nHà"),
        ("Sáng thứ Ba anh rảnh, em đặt phòng giúp anh nhé.\n\nMinh", "Ok em.",
         "Thứ Ba anh bận cả ngày, mình chuyển sang thứ Tư được không?"),
        "Vào Th 2, 7 thg 12, 2026 vào lúc 10:04 {n} <{a}> đã viết:",
        "Vào 10:04, Th 2, 7 thg 12, 2026, {n} <{a}> đã viết:",
        ("Từ", "Đã gửi", "Đến", "Chủ đề"), "Thứ Hai, ngày 7 tháng 12 năm 2026 10:04",
        "Được gửi từ iPhone của tôi",
    ),
    Language(
        "id", ("Siti Rahayu", "siti@example.co.id"), ("Budi Santoso", "budi@example.co.id"),
        "Jadwal pelatihan",
        ("Halo Budi,", "Apakah jadwal pelatihan hari Kamis sudah final?", "Terima kasih,\nSiti"),
        ("Sudah final, mulai jam sembilan pagi di ruang rapat lantai tiga.\n\nSalam,\nBudi",
         "Siap.", "Belum, masih menunggu konfirmasi dari pembicara."),
        "Pada tanggal Sen, 7 Des 2026 pukul 10.04 {n} <{a}> menulis:",
        "Pada 7 Des 2026, pukul 10.04, {n} <{a}> menulis:",
        ("Dari", "Dikirim", "Kepada", "Subjek"), "Senin, 07 Desember 2026 10.04",
        "Dikirim dari iPhone saya",
    ),
    Language(
        "th", ("สมศรี ใจดี", "somsri@example.co.th"), ("สมชาย รักไทย", "somchai@example.co.th"),
        "ประชุมประจำเดือน",
        ("สวัสดีค่ะคุณสมชาย", "รบกวนส่งวาระการประชุมประจำเดือนภายในวันพุธได้ไหมคะ", "ขอบคุณค่ะ\nสมศรี"),
        ("ได้ครับ จะส่งให้ภายในวันอังคารครับ\n\nสมชาย", "รับทราบครับ",
         "ขอเลื่อนเป็นวันศุกร์ได้ไหมครับ ตอนนี้ยังรอข้อมูลจากฝ่ายบัญชีอยู่"),
        "เมื่อ จ. 7 ธ.ค. 2026 เวลา 10:04 {n} <{a}> เขียนว่า:",
        "เมื่อ 7 ธ.ค. 2026 เวลา 10:04 {n} <{a}> เขียนว่า:",
        ("จาก", "ส่ง", "ถึง", "เรื่อง"), "7 ธันวาคม 2026 10:04",
        "ส่งจาก iPhone ของฉัน",
    ),
)
# fmt: on

BY_CODE = {language.code: language for language in LANGUAGES}
