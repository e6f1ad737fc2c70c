"""Label patterns, written against the accent-folded lower-case key of a line.

Each is a regex *source* string so that a document type can combine the labels it
knows into one ``stops`` pattern (a value ends where the next label begins).
Bilingual card labels carry their English part as an optional tail, so the English
words are consumed with the label and never end up in a value.
"""

from __future__ import annotations

_NAME_HEAD = (
    r"(?<!\bro\s)(?<!\bro)\bho\s*[,.]?\s*(?:va\s+|[,.]\s*)?(?:chu\s*dem\s*[,.]?\s*(?:va\s*)?)?ten\b"
)
"""``Họ và tên``, ``Họ, chữ đệm, tên``; never the signer's instruction ``(Ký, ghi rõ họ tên)``.
Here and in every label a comma may read as a full stop: small print on a photographed card
(``Họ. chữ đệm và tên``, ``Ngày, tháng. năm sinh``, unseen draw 16000)."""

# People and their details.
FULL_NAME = (
    _NAME_HEAD + r"(?:\s*k\w{2,3}\s*sinh)?"  # ``khai sinh``, also as OCR garbles it
    r"(?!\s*(?:nguoi|cha|me|bo|chong|vo|goi|khac|cua|chu\s*ho)\b)"
    r"(?:\s*/\s*full\s*name\b)?|\bfull\s*name\b"
)
DECEASED_NAME = _NAME_HEAD + r"\s*(?:cua\s*)?nguoi\s*(?:(?:da\s*)?(?:chet|mat|tu)|da)\b"
"""A death extract's ``Họ, chữ đệm, tên người đã chết``: the deceased is its person (also
when a narrow cell wraps ``chết`` onto the next line, leaving ``người đã``)."""
MOTHER_NAME = _NAME_HEAD + r"\s*(?:cua\s*)?(?:nguoi\s*)?me\b"
FATHER_NAME = _NAME_HEAD + r"\s*(?:cua\s*)?(?:nguoi\s*)?(?:cha|bo)\b"
HUSBAND_NAME = _NAME_HEAD + r"\s*(?:nguoi\s*)?chong\b|\bben\s*chong\b"
WIFE_NAME = _NAME_HEAD + r"\s*(?:nguoi\s*)?vo\b|\bben\s*vo\b"
DATE_OF_BIRTH = (
    r"\bngay\s*[,.]?\s*thang\s*[,.]?\s*nam\s*sinh\b(?:\s*/\s*date\s*of\s*birth\b)?"
    r"|\bngay\s*sinh\b(?:\s*/\s*date\s*of\s*birth\b)?|\bdate\s*of\s*birth\b"
    # "Sinh ngày ... tháng ... năm ...": the label keeps "ngày" for the date reader.
    r"|\bsinh(?=\s*ngay\b)"
)
YEAR_OF_BIRTH = r"\bnam\s*sinh\b"
SEX = r"\bgioi\s*tinh\b(?:\s*/\s*sex\b)?|\bsex\b"
NATIONALITY = r"\bquoc\s*tich\b(?:\s*/\s*nationality\b)?|\bnationality\b"
ETHNICITY = r"\bdan\s*toc\b(?:\s*/\s*ethnic(?:ity)?\b)?"
PLACE_OF_ORIGIN = (
    r"\bque\s*quan\b(?:\s*/\s*place\s*of\s*origin\b)?|\bplace\s*of\s*origin\b"
    r"|\bnguyen\s*quan\b"  # the old nine-digit ID card's word for it
)
PLACE_OF_RESIDENCE = (
    r"\bnoi\s*(?:thuong\s*tru|cu\s*tru)\b(?:\s*/\s*place\s*of\s*residence\b)?"
    # The old ID card: "Nơi ĐKHK thường trú" (where the household registration is).
    r"|\bnoi\s*(?:dkhk|dang\s*ky\s*ho\s*khau)\s*thuong\s*tru\b"
    r"|\bplace\s*of\s*residence\b"
)
PLACE_OF_BIRTH = r"\bnoi\s*sinh\b(?:\s*/\s*place\s*of\s*birth\b)?"
PERSONAL_ID = (
    r"\bso\s*dinh\s*danh(?:\s*ca\s*nhan)?\b(?:\s*/\s*personal\s*id(?:entification)?\s*number\b)?"
    # ``danh`` misread (``Số định ah cá nhân``): the words around it still say it.
    r"|\bso\s*dinh\s*\w{1,5}\s*ca\s*nhan\b(?:\s*/\s*personal\s*id(?:entification)?\s*number\b)?"
    r"|\bpersonal\s*id(?:entification)?\s*number\b"
    r"|\bso\s*(?:cccd|cmnd|can\s*cuoc(?:\s*cong\s*dan)?)\b"
    r"|\b(?:cccd|cmnd|can\s*cuoc\s*cong\s*dan|chung\s*minh\s*nhan\s*dan|can\s*cuoc)\s*so\b"
    r"|\bgiay\s*to\s*tuy\s*than\b"
)
IN_WORDS = r"\b(?:ghi\s*)?bang\s*chu\b"

# Identity cards.
CARD_NUMBER = r"\bso\s*/\s*no\b\.?|^\W*so\s*:"
EXPIRY = (
    r"\bco\s*gia\s*tri\s*den\b(?:\s*/\s*date\s*of\s*expiry\b)?"
    r"|\bngay\s*[,.]?\s*thang\s*[,.]?\s*nam\s*het\s*han\b(?:\s*/\s*date\s*of\s*expiry\b)?"
    r"|\bngay\s*het\s*han\b(?:\s*/\s*date\s*of\s*expiry\b)?|\bdate\s*of\s*expiry\b"
)
CARD_ISSUE = (
    # Its commas read as full stops on small print (``Ngày. tháng. năm``).
    r"\bngay\s*[,.]?\s*thang\s*[,.]?\s*nam\b(?!\s*(?:sinh|het|dang|chet|mat)\b)"
    r"(?:\s*/\s*date\s*[,.]?\s*month\s*[,.]?\s*year\b)?"
    r"|\bngay\s*cap\b(?:\s*/\s*date\s*of\s*issue\b)?|\bdate\s*of\s*issue\b"
)
CARD_OTHER = (
    r"\bdac\s*diem\s*nhan\s*dang\b(?:\s*/\s*personal\s*identification\b)?"
    r"|\bnoi\s*dang\s*ky\s*khai\s*sinh\b(?:\s*/\s*place\s*of\s*birth\b)?"
    r"|\bngon\s*tro\b|\b(?:left|right)\s*index\b|\bcuc\s*truong\b|\bbo\s*cong\s*an\b"
    r"|\bcan\s*cuoc\b|\bidentity\s*card\b|\bcitizen\s*identity\b"
)

# Civil status.
REGISTER_BOOK = r"\bquyen\s*so\b"
CIVIL_OTHER = (
    r"\bnguoi\s*di\s*(?:dang\s*ky\s*)?khai\s*(?:sinh|tu)\b|\bnoi\s*dang\s*ky\b"
    r"|\bngay\s*[,.]?\s*thang\s*[,.]?\s*nam\s*dang\s*ky\b|\bquan\s*he\s*voi\b|\bnguoi\s*thuc\s*hien\b"
    r"|\bghi\s*chu\b|\bnguoi\s*ky\b|\bnoi\s*chet\b|\bnguyen\s*nhan\b"
)
MARITAL_STATUS = r"(?<!xac nhan )\btinh\s*trang\s*hon\s*nhan\b"
PURPOSE = (
    r"\bgiay\s*nay\s*(?:duoc\s*)?cap\s*de\b|\bmuc\s*dich\s*su\s*dung\b(?!\s*dat)"
    r"|\bduoc\s*su\s*dung\s*de\b"
)
MARITAL_OTHER = (
    r"\bgiay\s*nay\s*co\s*gia\s*tri\b|\btrong\s*thoi\s*gian\s*cu\s*tru\b|\bxet\s*de\s*nghi\b"
)
REGISTRATION_DATE = (
    r"\bngay\s*[,.]?\s*thang\s*[,.]?\s*nam\s*dang\s*ky\b|\bngay\s*dang\s*ky\b|\bdang\s*ky\s*ngay\b"
)
DATE_OF_DEATH = (
    r"\bngay\s*[,.]?\s*thang\s*[,.]?\s*nam\s*(?:chet|mat)\b|\bngay\s*(?:chet|mat)\b"
    r"|\b(?:da\s*)?chet\s*vao\s*(?:luc|ngay)\b|\bthoi\s*gian\s*chet\b"
)

# Land.
PARCEL = r"\bthua\s*(?:dat\s*)?so\b"
MAP_SHEET = r"\bto\s*ban\s*do\s*(?:so\b)?"
AREA = r"\bdien\s*tich\b(?!\s*(?:san|xay\s*dung|su\s*dung\s*chung))(?:\s*(?:thua\s*)?dat\b)?"
LAND_PURPOSE = r"\bmuc\s*dich\s*su\s*dung(?:\s*dat)?\b"
ADDRESS = r"\bdia\s*chi\b(?!\s*(?:thuong\s*tru|lien\s*he|cu\s*tru|tru\s*so))(?:\s*thua\s*dat\b)?"
REGISTRY = (
    r"\bso\s*vao\s*so\s*cap\s*(?:gcn|giay\s*chung\s*nhan)\b"
    r"(?:\s*quyen\s*su\s*dung\s*dat)?|\bso\s*vao\s*so\b"
)
SERIAL = r"\bso\s*phat\s*hanh\b|\bso\s*seri\b|\bseri\b|\bserial\b"
LAND_OTHER = (
    r"\bhinh\s*thuc\s*su\s*dung\b|\bthoi\s*han\s*su\s*dung\b|\bnguon\s*goc\s*su\s*dung\b"
    r"|\bbang\s*chu\b"
)

# Diplomas and certificates.
DIPLOMA_SERIAL = r"\bso\s*hieu\b(?:\s*/\s*serial\s*(?:no|number)\b)?|\bserial\s*(?:no|number)\b"
DIPLOMA_REGISTRY = r"\bso\s*vao\s*so\s*cap\s*(?:bang|van\s*bang|chung\s*chi)\b|\breg\.?\s*no\b"
DIPLOMA_OTHER = (
    r"\bxep\s*loai\b|\bhang\s*tot\s*nghiep\b|\bnganh\b|\bnam\s*tot\s*nghiep\b"
    r"|\bhinh\s*thuc\s*dao\s*tao\b|\bnoi\s*sinh\b"
)

# Household business.
BUSINESS_NAME = r"\bten\s*ho\s*kinh\s*doanh\b(?:\s*\([^)]*\))?"
BUSINESS_NUMBER = (
    r"\bma\s*so\s*ho\s*kinh\s*doanh\b|\bma\s*so\s*dang\s*ky\b"
    r"|\bso\s*giay\s*chung\s*nhan\s*dang\s*ky\b|\bso\s*dang\s*ky\b"
)
BUSINESS_OTHER = r"\bdia\s*diem\s*kinh\s*doanh\b|\bnganh\s*[,.]?\s*nghe\b|\bvon\s*kinh\s*doanh\b"
BUSINESS_OWNER = (
    # ``kinh`` alone: a narrow cell wraps ``doanh`` onto the line under the name.
    _NAME_HEAD + r"\s*(?:cua\s*)?(?:chu\s*ho|nguoi\s*dai\s*dien(?:\s*ho)?)"
    r"(?:\s*kinh(?:\s*doanh)?)?\b"
    r"|\b(?:chu\s*ho|dai\s*dien\s*ho)\s*kinh\s*doanh\b"
)
"""The owner of a household business: ``Họ và tên chủ hộ kinh doanh``, ``Chủ hộ kinh
doanh:``, ``Họ tên người đại diện hộ kinh doanh``. (The plain name label refuses
``chủ hộ``: on a household book that is the head of household.)"""
FIRST_REGISTRATION = r"\bdang\s*ky\s*lan\s*dau\b"  # the date reader keeps its "ngày"
CHANGE_REGISTRATION = r"\bdang\s*ky\s*thay\s*doi\s*lan\s*thu\s*\w+\b"
