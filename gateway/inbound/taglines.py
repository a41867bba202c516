"""Mobile and mail-app taglines ("Sent from my iPhone") in 30 languages.

Owns the per-language tables of the lines a phone or a mail app adds under what a person
wrote, and ``is_tagline``: is this whole (short) line such a tagline? A tagline is the
whole line, so "Sent from my work laptop, so the numbers are rough" is prose and stays.
"Sent from my <device>" must name a device or an app ("Sent with love" is a closing).

The line is first cleaned of what clients put around a tagline: invisible characters
(zero-width spaces, bidi marks, which Hebrew and Arabic taglines carry), no-break spaces,
links ("Get Outlook for iOS<https://aka.ms/o0ukef>") and decoration ("*", "_", brackets).
Each pattern is anchored, its repeats bounded, and it only ever sees a line of at most
``MAX_TAGLINE`` characters.

Stdlib only; must not import anything from gateway.store / gateway.core.
"""

from __future__ import annotations

import re

__all__ = ["MAX_TAGLINE", "clean_line", "is_tagline"]

MAX_TAGLINE = 160
_MAX_WORDS = 14

# Dropped before matching: zero-width characters, bidi marks and isolates, the soft
# hyphen, Arabic diacritics and the tatweel (a stretched "الـ").
_DROPPED = dict.fromkeys(
    [
        *map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad\u061c\u0640"),
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
        *range(0x064B, 0x0653),
    ]
)
_SPACES = dict.fromkeys(map(ord, "\u00a0\u202f\u2007\u2009\u3000"), " ")
_HYPHENS = dict.fromkeys(map(ord, "\u2011\u2010\u05be"), "-")
_LINKS = re.compile(
    r"\s?[<\[(](?:https?:|mailto:)[^\s<>\[\]()]{0,300}[>\])]"
    r"|(?<=\S)https?://\S{0,300}$"  # "Get Outlook for iOShttps://aka.ms/o0ukef"
)
# A Markdown link, "[Outlook for Android](https://aka.ms/ghei36)": its text stays.
_MARKDOWN_LINK = re.compile(r"\[([^\[\]]{1,60})\]\((?:https?:|mailto:)[^\s()]{0,300}\)")
_EDGES = " \t*_~\"'`•·-–—|[](){}<>"
_SPACE_RUNS = re.compile(r"\s+")

# One word of a device or app name: no sentence punctuation, dots only inside a word
# ("mail.ru", "u.s.").
_WORD = r"[^\s,;:!?().]{1,40}(?:\.[^\s,;:!?().]{1,40}){0,3}"
_DEV = rf"(?P<dev>{_WORD}(?: {_WORD}){{0,5}})"
# Where the device comes first ("iPhone'umdan gönderildi"), at most three words, so a
# sentence that ends in a tagline's words is not taken for one.
_DEV_FIRST = rf"(?P<dev>{_WORD}(?: {_WORD}){{0,2}})"
# For languages written without spaces: up to three runs of characters but punctuation.
_CJK_RUN = r"[^\s,;:!?()，。！？]{1,30}"
_DEV_CJK = rf"(?P<dev>{_CJK_RUN}(?: {_CJK_RUN}){{0,2}})"
_PLATFORM = r"(?:ios|android|iphone|ipad)"

# "{dev}" is the device or app; "{first}" the same where it comes first; "{cjk}" the same
# for languages written without spaces; "{word}" one word of any name; "{os}" the platform
# in "Get Outlook for iOS". Patterns are matched against the cleaned, case-folded line,
# whole.
TAGLINES: dict[str, tuple[str, ...]] = {
    "en": (
        r"(?:this (?:message|email|e-mail) was )?sent (?:from|via|with|using|by|on|through)"
        r" (?:my |the |our |a |an )?{dev}",
        r"(?:typed|written) (?:on|from|with) my {dev}",
        # Any short name after "Sent from my": "Sent from my TI-85".
        r"sent from my {word}(?: {word}){0,3}",
        r"from my {dev}",
        r"(?:\w+ ){0,2}from (?:my |a |the )?(?:mobile|phone|iphone|ipad|android|cell|galaxy"
        r"|blackberry|tablet|smartphone)(?: device| phone)?",
        # "Sent from my Verizon, Samsung Galaxy smartphone", "Sent via the Samsung Galaxy
        # S21 5G, an AT&T 5G smartphone": carrier taglines with one comma.
        r"sent (?:from|via) (?:my |the )?[\w&.\- ]{1,40}, (?:an? )?[\w&.\- ]{0,40}"
        r"(?:smartphone|phone|tablet|device)",
        r"(?:get|download) outlook for {os}",
    ),
    "de": (
        r"(?:von|vom) (?:meinem |meiner |einem |unterwegs )?{dev} (?:gesendet|verschickt)",
        r"(?:gesendet|verschickt) (?:von|vom|mit|über|via|aus) (?:meinem |meiner |der |dem )?{dev}",
        r"diese (?:nachricht|e-mail|email) wurde (?:von|mit|über) (?:meinem |meiner |der |dem )?"
        r"{dev} (?:gesendet|versendet|verschickt)",
        r"outlook für {os} (?:beziehen|herunterladen|holen)",
        r"(?:hol dir|holen sie sich|laden sie) outlook für {os}(?: herunter)?",
    ),
    "fr": (
        r"envoy[ée]e? (?:de|depuis|à partir de|avec|via|par) (?:mon |ma |l'|le |la |un |une )?"
        r"{dev}",
        r"(?:obtenir|télécharger|téléchargez) outlook pour {os}",
    ),
    "es": (
        r"enviado (?:desde|de|con|a través de|por|mediante) (?:mi |el |la |un |una )?{dev}",
        r"(?:obtener|obtén|descargar|descarga) outlook para {os}",
    ),
    "it": (
        r"inviato (?:da|dal|dalla|dallo|con|tramite|via) (?:mio |mia |il mio |la mia |un |una )?"
        r"{dev}",
        r"(?:ottieni|scarica|scaricare) outlook per {os}",
    ),
    "pt": (
        r"enviad[oa] (?:do|da|de|desde|a partir do|a partir da|pelo|pela|via|com o|com a|com)"
        r" (?:meu |minha |o |a |um |uma )?{dev}",
        r"(?:obter|obtenha|baixe|baixar|transferir|transfira)(?: o)? outlook para {os}",
    ),
    "nl": (
        r"(?:verzonden|verstuurd) (?:vanaf|van|met|via|vanuit|op) (?:mijn |de |het |een )?{dev}",
        r"outlook voor {os} (?:downloaden|ophalen)",
        r"download outlook voor {os}",
    ),
    "sv": (
        r"skicka(?:t|des) (?:från|med|via) (?:min |mitt |en |ett )?{dev}",
        r"(?:skaffa|hämta|ladda ned|ladda ner) outlook för {os}",
    ),
    "da": (
        r"sendt (?:fra|med|via) (?:min |mit |en |et )?{dev}",
        r"(?:hent|få) outlook til {os}",
    ),
    "nb": (
        r"sendt (?:fra|med|via) (?:min |mitt |en |et )?{dev}",
        r"(?:få|hent|last ned) outlook for {os}",
    ),
    "fi": (
        r"lähetetty (?:laitteesta |laitteelta |sovelluksesta )?{dev}",
        r"(?:hanki|lataa) outlook(?: for)? {os}(?::lle|-laitteelle)?",
    ),
    "pl": (
        r"wysłan[eoy] (?:z|ze|przez|za pomocą|używając) (?:mojego |mojej |moim |mego )?{dev}",
        r"pobierz (?:aplikację )?outlook (?:dla|na) (?:systemu )?{os}",
    ),
    "cs": (
        r"odesláno (?:z|ze|pomocí|přes|prostřednictvím) (?:mého |mé |mojí |mého )?{dev}",
        r"(?:získat|získejte|stáhnout|stáhněte si) outlook pro {os}",
    ),
    "sk": (
        r"odoslané (?:z|zo|cez|pomocou|prostredníctvom) (?:môjho |mojej |môjho )?{dev}",
        r"(?:získajte|získať|stiahnite si|stiahnuť) outlook pre {os}",
    ),
    "hu": (
        r"elküldve (?:az? |erről: |erről az? )?{dev}",
        r"{first} küldve",
        r"(?:töltse le|szerezze be|letöltés:) az? outlook(?:ot)? {os}(?:-ra|-re)?(?: rendszerre)?",
        r"outlook {os}(?:-ra|-re|-hoz)? letöltése",
    ),
    "ro": (
        r"trimis (?:de pe|din|cu|prin|de la|de pe telefonul meu) {dev}",
        r"(?:obțineți|obține|descărcați|descarcă) outlook pentru {os}",
    ),
    "ru": (
        r"(?:отправлено|послано|отправлено) (?:с|со|из|через|при помощи|с помощью)"
        r" (?:моего |моей |мобильного )?{dev}",
        r"(?:получить|получите|скачать|скачайте|загрузить|загрузите) outlook для {os}",
    ),
    "uk": (
        r"(?:надіслано|відправлено|надіслане) (?:з|із|зі|через|за допомогою)"
        r" (?:мого |моєї |мобільного )?{dev}",
        r"(?:отримати|отримайте|завантажити|завантажте) outlook для {os}",
    ),
    "bg": (
        r"изпратено (?:от|с|чрез|със) (?:моя |моят |моето |моята )?{dev}",
        r"(?:изтеглете|изтегли|вземете|вземи) outlook за {os}",
    ),
    "el": (
        r"(?:στάλθηκε|εστάλη|απεστάλη|στάλθηκε) (?:από|μέσω|με) (?:το |την |τη |τον )?{dev}",
        r"(?:λήψη|αποκτήστε|κατεβάστε) (?:του )?outlook για {os}",
    ),
    "tr": (
        r"{first} (?:gönderildi|gönderilmiştir|gönderdim)",
        r"{os} için outlook(?:'u|’u)? (?:edinin|indirin|alın)",
        r"outlook(?:'u|’u)? {os} için (?:edinin|indirin|alın)",
    ),
    "he": (
        r"נשלח (?:מ|באמצעות |דרך |מתוך )?{dev}",
        r"(?:קבל|הורד|השג) את outlook (?:עבור |ל-?){os}",
    ),
    "ar": (
        r"(?:أرسلت|ارسلت|أرسل|ارسل|مرسل|مرسلة|تم الإرسال|تم الارسال|أرسلت)"
        r" (?:من|عبر|بواسطة|باستخدام) {dev}",
        r"(?:الحصول على|احصل على|تنزيل|نزل) outlook (?:لـ ?|ل|for |لنظام |ل-){os}",
    ),
    "fa": (
        r"(?:ارسال شده|ارسالشده|فرستاده شده|فرستادهشده|ارسال) (?:از|با|توسط) {dev}",
        r"(?:دریافت|دانلود) outlook (?:برای )?{os}",
    ),
    "zh": (
        r"(?:从|從)我的 ?{cjk} ?(?:发送|發送|傳送|寄出|发出)",
        r"(?:发自|發自|来自|來自)(?:我的)? ?{cjk}",
        r"(?:获取|取得|下载|下載) ?outlook (?:for |适用于 |適用於 )?{os}(?: 版)?",
        r"(?:获取|取得|下载|下載) ?{os} ?版 ?outlook",
    ),
    "ja": (
        r"{cjk} ?から(?:の)?送信(?:しました)?",
        r"(?:{os} ?版 ?outlook|outlook for {os}) ?を(?:入手|ダウンロード)",
    ),
    "ko": (
        r"(?:나의 |내 )?{cjk} ?에서 ?(?:보냄|보냈습니다|발송|전송|보낸 메일)",
        r"{os} ?용 ?outlook ?(?:받기|다운로드)",
    ),
    "vi": (
        r"(?:được )?gửi từ {dev}",
        r"(?:tải|nhận|tải về) outlook (?:cho|dành cho) {os}",
    ),
    "id": (
        r"(?:dikirim|terkirim) (?:dari|dengan|melalui|via|menggunakan|lewat) {dev}",
        r"(?:dapatkan|unduh) outlook (?:untuk|for) {os}",
    ),
    "th": (
        r"ส่งจาก ?{dev}",
        r"(?:รับ|ดาวน์โหลด) outlook (?:สำหรับ ?)?{os}",
    ),
}

# "Sent from my iPhone. Please excuse typos": the courtesy clause some people add.
_COURTESY = (
    r"(?:(?: ?[-–—.,;:!]+)? (?:so |and )?(?:please |pls |kindly )?"
    r"(?:excuse|pardon|forgive|ignore|sorry for)(?: any| my| the)?"
    r" (?:typo\w{0,3}|brevity|errors?|mistakes?|spelling|autocorrect(?:ions?)?|shortness)"
    r"(?: and (?:any |my |the )?(?:typo\w{0,3}|brevity|errors?|mistakes?|autocorrect))?)?"
)

# A "{dev}" must name one of these (case-folded; matched inside the device words), so
# "Sent with love" and "Gesendet von Anna" stay.
_DEVICE_STEMS = (
    "iphon", "ipad", "ipod", "android", "galaxy", "samsung", "mobil", "móvil", "movil",
    "phone", "fone", "handy", "telef", "teléf", "télé", "celul", "cellul", "smartph",
    "tablet", "blackberry", "huawei", "honor", "xiaomi", "redmi", "pixel", "nokia", "xperia",
    "motorola", "oneplus", "realme", "kindle", "watch", "mail", "outlook", "yahoo", "aol",
    "proton", "spark", "superhuman", "edison", "airmail", "newton", "zoho", "icloud",
    "courrier", "correo", "posta", "windows", "puhelin", "ponsel", "okostelefon", "cihaz",
    "телеф", "мобил", "мобіл", "смартф", "айфон", "планшет", "пошт", "почт", "κινητ", "τηλέφ",
    "טלפון", "נייד", "هاتف", "جوال", "الجوال", "گوشی", "موبایل", "手机", "手機", "携帯",
    "スマートフォン", "スマホ", "휴대폰", "갤럭시", "มือถือ", "โทรศัพท์", "điện thoại",
)  # fmt: skip
_NOT_DEVICES = frozenset(("mail", "email", "e-mail", "post", "the post", "courier", "fax"))
# Short brand names, matched as whole words only ("lg" is inside many words).
_DEVICE_WORDS = frozenset(("lg", "htc", "moto", "sony", "oppo", "vivo", "hp", "gmx", "web.de"))


def _compile(template: str) -> re.Pattern[str]:
    body = template.replace("{dev}", _DEV).replace("{cjk}", _DEV_CJK).replace("{os}", _PLATFORM)
    body = body.replace("{word}", _WORD).replace("{first}", _DEV_FIRST)
    return re.compile(rf"{body}{_COURTESY}[.!]?")


_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    _compile(template) for templates in TAGLINES.values() for template in templates
)


def clean_line(text: str) -> str:
    """``text`` without invisible characters, links and decoration, case-folded, with each
    run of white space as one space."""
    text = text.translate(_DROPPED).translate(_SPACES).translate(_HYPHENS)
    if len(text) > MAX_TAGLINE * 3:
        return text.strip().casefold()
    text = _LINKS.sub("", _MARKDOWN_LINK.sub(r"\1", text))
    return _SPACE_RUNS.sub(" ", text.strip(_EDGES).strip(_EDGES)).casefold()


def is_tagline(text: str) -> bool:
    """Is this whole line a phone's or a mail app's tagline?"""
    if len(text) > MAX_TAGLINE * 3:
        return False
    line = clean_line(text)
    if not line or len(line) > MAX_TAGLINE or line.count(" ") >= _MAX_WORDS:
        return False
    for pattern in _PATTERNS:
        match = pattern.fullmatch(line)
        if match is not None and _names_a_device(match):
            return True
    return False


def _names_a_device(match: re.Match[str]) -> bool:
    if "dev" not in match.re.groupindex:
        return True
    device = match.group("dev")
    if device is None:
        return True
    if device in _NOT_DEVICES:
        return False  # "Sent via email", "Sent by mail": how, not from what
    if any(stem in device for stem in _DEVICE_STEMS):
        return True
    words = re.split(r"[\s\-'’_/]+", device)
    return any(word in _DEVICE_WORDS for word in words)
