"""The stable finding codes: P… for protocol files, T… for transcripts (DESIGN §5)."""

CODES = {
    "P001": "unsafe or unreadable protocol file",
    "P002": "bad content schema (invalid, remote or file:// $ref, $ref cycle, risky pattern)",
    "P003": "unknown role or message",
    "P004": "commitment created, cancelled or released by the wrong role",
    "P005": "unreachable state, dead end, or terminal state with exits",
    "P006": "message type no transition uses",
    "T001": "invalid envelope",
    "T002": "unknown message type",
    "T003": "invalid content",
    "T004": "the sender's role may not send this message",
    "T005": "wrong receiver or conversation mismatch",
    "T006": "bad in_reply_to",
    "T007": "out of order for the conversation state",
    "T008": "duplicate message id",
    "T009": "message after a terminal state",
    "T010": "commitment operation by the wrong party",
    "T011": "acting on a commitment that was only acknowledged",
    "T012": "commitment violated",
    "T013": "commitment still open at the end",
}
