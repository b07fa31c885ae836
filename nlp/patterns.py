"""Rule patterns as data, registered under versioned names.

Each pattern set is a plain mapping from a label to regular expressions (case-insensitive,
word-bounded where it matters). Code never hard-codes a phrase: it looks a set up here by its
versioned name, so a change of rules is a new version, visible in the outputs' provenance.
"""

from __future__ import annotations

import re
from functools import cache

from nlp.prefilter import Prefiltered

#: Pain-point taxonomy (README, "Pain-point taxonomy"): key -> human label.
PAIN_CATEGORIES: dict[str, str] = {
    "billing": "Billing and charges",
    "refund": "Refunds",
    "delivery": "Delivery and shipping",
    "waiting": "Waiting and response time",
    "repeat_contact": "Repeat contact / unresolved",
    "defect_outage": "Product or service defect, outage",
    "account_access": "Account access",
    "cancellation": "Cancellation / churn threat",
    "policy_process": "Policy and process friction",
    "agent_conduct": "Agent conduct or knowledge",
    "transfer_escalation": "Transfers and escalation",
    "other": "Other",
}

# Order matters: the first category whose pattern matches a sentence wins, so the more
# specific categories (refund before billing, repeat contact before waiting) come first.
PAIN_PATTERNS_V1: dict[str, list[str]] = {
    "cancellation": [
        r"\bcancel+(?:ing|ed)? my (?:account|subscription|contract|service|membership|plan)",
        r"\b(?:switch(?:ing)?|mov(?:e|ing)) to (?:another|a different|your competitor)",
        r"\b(?:close|closing) my account\b", r"\bnever (?:use|fly|order|buy)\w* (?:again|with)",
        r"\blast time i\b", r"\btake my business\b", r"\bdone with (?:you|your)\b",
    ],
    "refund": [r"\brefund\w*", r"\bmoney back\b", r"\breimburs\w+", r"\bcompensat\w+"],
    "repeat_contact": [
        r"\b(?:second|third|fourth|fifth|\d+(?:st|nd|rd|th)) time\b", r"\bagain and again\b",
        r"\b(?:called|contacted|messaged|emailed|tweeted|dm'?d) (?:you )?(?:\w+ )?(?:times|twice)",
        r"\bstill (?:not|no|hasn'?t|haven'?t|isn'?t|doesn'?t|can'?t|won'?t|waiting|broken)",
        r"\bkeep(?:s)? (?:getting|happening|telling|saying)", r"\bno one (?:has )?(?:fixed|solved)",
        r"\bnot (?:been )?(?:resolved|fixed|solved)\b", r"\bsame (?:issue|problem)\b",
    ],
    "billing": [
        r"\bcharg(?:e|ed|es|ing)\b", r"\bover ?charg\w*", r"\bbill(?:ed|ing|s)?\b",
        r"\binvoice\w*", r"\bpaid\b", r"\bpayment\w*", r"\bfees?\b", r"\bdouble[- ]charg\w*",
        r"\bprice\w*",
    ],
    "delivery": [
        r"\bdeliver\w*", r"\bship(?:ping|ped|ment)\w*", r"\bpackage\w*", r"\bparcel\w*",
        r"\border(?:ed)? (?:has|hasn'?t|never|didn'?t|still|is)", r"\btracking\b",
        r"\bluggage\b", r"\bbag(?:s|gage)?\b", r"\barriv\w+", r"\blost\b",
    ],
    "waiting": [
        r"\bon hold\b", r"\bwait(?:ed|ing)?\b", r"\bno (?:response|reply|answer)\b",
        r"\b(?:hours?|days?|weeks?) (?:now|later|ago)\b", r"\bdelay\w*", r"\blate\b",
        r"\bresponse time\b", r"\bnobody (?:answers|responds|replied)", r"\bignor\w+",
        r"\blong(?:er)? lines?\b", r"\bqueue\b",
    ],
    "account_access": [
        r"\blog ?in\b", r"\blogin\b", r"\bsign(?:ed)? ?in\b", r"\bpassword\w*",
        r"\blocked (?:out|my)\b", r"\baccount (?:is )?(?:locked|suspended|disabled|hacked)",
        r"\bverification code\b", r"\b2fa\b", r"\bcan'?t access\b",
    ],
    "defect_outage": [
        r"\bnot working\b", r"\bdoesn'?t work\b", r"\bisn'?t working\b", r"\bbroken\b",
        r"\bcrash\w*", r"\boutage\w*", r"\b(?:is|are|went) down\b", r"\berror\w*", r"\bbug\w*",
        r"\bfreez\w+", r"\bstopped working\b", r"\bno (?:signal|service|internet|wifi|power)\b",
        r"\bslow\b", r"\bdefect\w*", r"\bfault\w*", r"\bwon'?t (?:load|open|turn on|connect)",
        r"\bcancell?ed (?:my )?flight", r"\bflight (?:was |got )?cancell?ed", r"\bdamaged\b",
    ],
    "agent_conduct": [
        r"\brude\b", r"\bunhelpful\b", r"\bunprofessional\b", r"\b(?:your|the) (?:agent|rep|staff|"
        r"employee|representative)s? (?:was|were|is|are|told|said|hung)",
        r"\bhung up\b", r"\bno idea what\b", r"\bclueless\b", r"\bcustomer service\b",
    ],
    "transfer_escalation": [
        r"\btransferr?\w*", r"\bescalat\w*", r"\b(?:speak|talk) (?:to|with) (?:a |your )?"
        r"(?:manager|supervisor|human|person)", r"\bpassed (?:around|from)",
    ],
    "policy_process": [
        r"\bpolicy\b", r"\bpolicies\b", r"\brules?\b", r"\bnot allowed\b", r"\bwon'?t let me\b",
        r"\brequire[sd]?\b", r"\bform\b", r"\bpaperwork\b", r"\bterms\b", r"\brebook\w*",
        r"\bbooking\b", r"\bseat\w*", r"\bchange fee\b",
    ],
}

# Failures of the service contact itself: a customer who had to come back, or was passed
# around. No training set labels them (airline tweets file them under "Customer Service
# Issue", BANKING77 and MultiDoGO have no such intent), so the categoriser never learns
# them; these strict cues decide the category when they match (`PainPointConfig.
# contact_patterns`). Stricter than v1's: each names the contact ("third time I'm
# calling", "transferred me"), not a recurring fault ("keeps crashing") or a money or data
# transfer ("transfer photos to my pc").
CONTACT_PATTERNS_V1: dict[str, list[str]] = {
    "repeat_contact": [
        r"\b(?:second|third|fourth|fifth|sixth|\d+(?:st|nd|rd|th)) time\W+(?:\w+\W+){0,3}?"
        r"(?:call|contact|writ|wrote|messag|e-?mail|tweet|dm|chat|ask|reach|rais|report|"
        r"complain|explain|spoke|speak)\w*",
        r"(?:\b(?:i|i'?ve|i have|we|we'?ve|we have)(?: \w+){0,2}? |^(?:\W*@\w+)*\W*)(?:called|"
        r"contacted|messaged|e-?mailed|tweeted|dm'?d|chatted|rang|written|wrote)(?: in| back)? "
        r"(?:to )?(?:you |your \w+ |them )?(?:\w+ )?(?:times|twice)\b",
        r"\b(?:several|multiple|many|numerous|countless|\d+) (?:calls|phone calls|e-?mails|"
        r"messages|chats|tweets|dms) (?:to|with) (?:you|your|them)\b",
        r"\bkeep (?:calling|contacting|chasing|having to (?:call|contact|explain|repeat|chase"
        r"|ring))\b",
        r"\b(?:explain|repeat)(?:ed|ing|s)? (?:my|the|this|our|myself|it|everything)\b"
        r"(?: \w+){0,3}? (?:again|over and over|every time|each time|"
        r"(?:\d+|several|multiple|many) times)\b",
        r"\b(?:no one|nobody|never|no-one) (?:has |have |ever )?(?:called|got|gotten|rang|"
        r"e-?mailed|gets|calls|phoned) (?:me |us )?back\b",
        r"\b(?:has|have|is|was|were|are|had)(?:n'?t| not| still not| never)(?: yet)? (?:been |"
        r"yet been )?(?:resolved|fixed|solved|sorted)\b",
        r"\b(?:still|never) (?:not |been |got |gotten |get )?(?:resolved|fixed|solved|sorted)\b",
        r"\bnot (?:yet )?(?:been )?(?:resolved|solved)\b",
    ],
    "transfer_escalation": [
        r"\btransferr?(?:ed|ing|s)? (?:me|us|my call)\b",
        r"\b(?:keep|keeps|kept) transferr?ing\b",
        r"\b(?:i|we)(?: have|'ve|'d| had| just| keep| kept)? (?:been|being|got|getting|was|"
        r"were) transferr?ed\b",
        r"\btransferr?ed (?:\w+ ){0,3}?(?:times|around|back and forth)\b",
        r"\btransfer(?:r?ed|r?ing)? (?:\w+ ){0,2}?(?:to|between) (?:\w+ ){0,2}?(?:department|"
        r"dept|agent|team|rep|representative|person|supervisor|manager|someone else)s?\b",
        r"\b(?:speak|talk|speaking|talking|spoke) (?:to|with) (?:a |an |your |the |someone |"
        r"somebody )?(?:manager|supervisor|human|real person|live person|actual person|senior"
        r"|team leader|someone in charge)\b",
        r"\bescalat\w*", r"\b(?:passed|bounced|pushed) (?:me |us )?(?:around|back and forth|"
        r"between)\b", r"\bwrong department\b",
    ],
}

# Waits for the contact itself (stop 30): on hold, in a queue, for a reply that does not
# come. The airline tweets file these under "Customer Service Issue" too, so the
# categoriser learnt them as agent conduct ("On hold for more than 40 minutes." filed as the
# agent's conduct); the taxonomy calls them waiting and response time. The subject of "on
# hold" is a person ("I've been on hold", "kept me on hold"), not an account or an order;
# "no response" is a reply that did not come (not a screen that does not respond); a wait
# for a refund or a parcel is left to the categoriser.
_SPAN = (r"(?:\d+(?:\.\d+)?\+?|an?|one|two|three|four|five|six|ten|several|many|couple of|few|"
         r"half an?|over an?|almost an?|nearly an?|more than an?)")
_UNIT = r"(?:minutes?|mins?|hours?|hrs?)"
CONTACT_PATTERNS_V2: dict[str, list[str]] = {
    **CONTACT_PATTERNS_V1,
    "waiting": [
        r"\b(?:i|i'm|im|we|we're|she|he|she's|he's|they|they're|(?:i|we|she|he|they)(?:'ve|'d|"
        r" have| had| has) been|(?:i've|ive|we've|they've) been)(?: been| was| were| am| are| is)?"
        r"(?: still| currently| now| just| already| again)? on hold\b",
        r"\b(?:kept|keep|keeps|keeping|put|puts|putting|had|has|left|leave|leaves|leaving)(?: \w+)?"
        r" (?:me|us|them|him|her|people|customers|everyone) on hold\b",
        r"\b(?:get|gets|getting|got|being) put on hold\b",
        r"\b(?:wait|waits|waited|waiting|sat|sit|sitting|stuck|stay|staying|stayed|hanging) on "
        r"hold\b",
        r"^\W*on hold\b",
        rf"\bon hold (?:for|since) (?:\w+ ){{0,2}}?(?:{_UNIT}|an? hour|ages|ever|forever)\b",
        rf"\b{_UNIT} (?:\w+ )?on hold\b",
        r"\b(?:hold|queue|queuing|queueing) times?\b",
        # ... but the wait for a card, a transfer or a parcel is the categoriser's (BANKING77:
        # "What's the wait time for European transfers?")
        r"\b(?:wait|waiting) times?\b(?! (?:for|until|to|on) (?:an? |the |my |your |our )?"
        r"(?:new |physical |replacement |us |european |international )?(?:receive|recieve|get|"
        r"arrive|card|delivery|deliveries|transfer|money|refund|payment|package|parcel|order|"
        r"shipment|item|top))",
        r"\bwait\w*(?: \w+){0,4}? (?:for|on) (?:a |an |your |any |some |the )?(?:reply|response|"
        r"answer|call ?back|someone|somebody|anyone|agent|rep|representative|human)\b",
        r"\b(?:no|zero|still no|not (?:a|one|any)|never (?:got|received|had) an?y?|haven't (?:had|"
        r"got|received) an?y?|yet to (?:get|receive|hear) an?y?) (?:reply|replies|response|"
        r"responses|call ?backs?)\b(?! (?:from|on|when|in) (?:the |my |your )?(?:app|website|site|"
        r"page|button|screen|device|phone|tv|remote|system|server)\b)",
        r"\b(?:no one|nobody|no-one|noone)(?: \w+)? (?:answers|answered|answering|picks up|"
        r"picked up|responds|responded|responding|replies|replied|replying|gets back|got back|"
        r"to answer|to respond)\b",
        r"\b(?:in (?:a |the )?queue|queu(?:e|ed|ing|eing) for)\b",
        rf"\b{_SPAN} (?:\w+ )?{_UNIT} (?:on|in|of) (?:the )?(?:phone|line|hold|chat|live chat|"
        r"queue|call)\b",
        rf"\bon the (?:phone|line)(?: \w+){{0,2}}? (?:for )?{_SPAN} (?:\w+ )?{_UNIT}\b",
    ],
}

# A customer who says they are leaving (stop 30): these decide `cancellation` over the
# categoriser, which sees few churn threats outside Swisscom's and BANKING77's and gave the
# sample's ("Considering cancelling my Prime service since I can't get deliveries.") to
# other classes. Each names the customer's own leaving: their service, account or contract
# cancelled, closed or dropped; an intent to cancel, quit or switch; a competitor; never
# again. Not a flight or an order cancelled, not the company closing an account, not a
# traveller leaving for the airport. Written on the training parts (Swisscom EN churn
# messages, BANKING77 and MultiDoGO train) and the bundled sample (two phrases after DSTC11
# turns had been seen: models/pain-category/MODEL_CARD.md); measured on held-out gold
# (`callinsight eval --suite pain`, rows "churn cues: cancellation").
_CHURN_LEAVE = (r"(?:cancel|cancell?ing|terminate|terminating|close(?: out)?|closing(?: out)?|"
                r"delete|deleting|remove|removing|shut down|shutting down|end|ending|"
                r"discontinue|discontinuing|drop|dropping|deactivate|deactivating|disconnect|"
                r"disconnecting|get rid of|getting rid of|quit|quitting|leave|leaving)")
_CHURN_HOLDING = (r"(?:service|services|account|accounts|membership|subscription|contract|plan|"
                  r"plans|sim|broadband|insurance|policy|connection|bank|provider|network)")
_CHURN_INTENT = (r"(?<!not )(?<!n't )(?:i'?m|im|i am|i'?ll|i will|we'?ll|we will|going to|"
                 r"gonna|have to|about to|ready to|want to|wanna|will be|consider|considering|"
                 r"thinking of|thinking about|time to)")
CHURN_THREATS_V1: dict[str, list[str]] = {
    "cancellation": [
        # what the customer holds, left: "cancel my prime membership", "delete all accounts"
        rf"(?<!you )(?<!they )(?<!\bu )\b{_CHURN_LEAVE} (?:(?:all|one)(?: of)? )?(?:(?:my|our|the|"
        rf"this|your|their|an?) )?(?:\w+ ){{0,2}}?{_CHURN_HOLDING}\b",
        rf"\bcut (?:off )?(?:my|our) (?:\w+ )?{_CHURN_HOLDING}\b",
        rf"\b(?:my|our|this|the) (?:\w+ )?{_CHURN_HOLDING} (?:to be|be|get|gets) (?:closed|"
        r"cancell?ed|terminated|deleted|deactivated|disconnected)\b",
        rf"\bno longer (?:want|need|wish to keep|wish to use)(?: \w+){{0,2}}? {_CHURN_HOLDING}\b",
        rf"\bdon'?t want (?:this|my|the|your) (?:\w+ )?{_CHURN_HOLDING} any ?more\b",
        # an intent to leave: "I'm going to have to cancel if it's not coming today"
        rf"\b{_CHURN_INTENT}(?: \w+){{0,2}}? (?:cancel|cancell?ing|quit|quitting|switch|"
        r"switching)(?: (?:it|everything|all|over))?(?=\W*$|\W+(?:if|unless|and|but|because|"
        r"cos|cause|as|now|then|today|tomorrow|soon|asap)\b|\s*[,.!?;:])",
        r"\b(?:i|i'?m|im|i am|i'?ll|i will|want to|wanna|going to|gonna|have to|might want to)"
        r"(?: \w+){0,2}? quit(?:ting)?\b",
        # "I'm leaving", "going to leave soon", "I leave Swisscom": not a traveller leaving
        r"(?<!before )(?<!after )(?<!when )(?<!until )(?<!once )(?<!till )\bi(?:'?m| am|'ll| will|"
        r" shall| want to| wanna| have to| must| might)?(?: going to| gonna| have to| want to)?"
        r"(?: \w+)? leav(?:e|ing)\b(?! (?:for|to|on|at|from|in|by|tomorrow|tonight|today|now|"
        r"early|late|home|work|my|a|an|it|that|the (?:airport|gate|house|hotel|plane|station|"
        r"office|country|city|store|lounge|building|car|train)|this (?:airport|gate|house|hotel|"
        r"plane|station|country|city|morning|afternoon|evening|weekend))\b)",
        r"\b(?:time to|i'?m|i am|i will|i'll|gonna|going to) (?:say|saying) (?:good ?bye|bye) to\b",
        r"\b(?:change|changing|switch|switching) (?:my )?(?:provider|operator|network|carrier|"
        r"bank|supplier)s?\b",
        r"\b(?:try|trying|join|joining) (?:the |a |your )?(?:competitors?|competition)\b",
        r"\b(?:not|won'?t|don'?t)(?: \w+){0,3}? stay(?:ing)? with (?:you|your|this|the)\b",
        # to a competitor: "considering moving to Google Fi", "time to move to a new supplier"
        rf"\b{_CHURN_INTENT}(?: \w+){{0,2}}? (?:switch|switching|port|porting) (?:over )?to \w",
        r"\b(?:consider|considering|thinking of|thinking about|time to)(?: \w+){0,2}? (?:move|"
        r"moving) to \w",
        r"\b(?:i|i'?m|i am|we|we'?re|we are|i'?ll|i will)(?: \w+){0,2}? (?:switch|switching|"
        r"moving|porting) from \w+ to\b",
        r"(?<!had to )\b(?:switch(?:ing)?|mov(?:e|ing)|go(?:ing)?|port(?:ing)?|chang(?:e|ing)) "
        r"(?:over )?to (?:(?:another|a different|a new) (?:\w+ )?(?:provider|company|airline|"
        r"bank|network|carrier|supplier|operator|brand)|(?:your |a )?competitors?|the "
        r"competition)\b",
        rf"\b{_CHURN_INTENT}(?: \w+){{0,3}}? go(?:ing)? elsewhere\b",
        r"\b(?:i'?ll|i will|we'?ll|we will) (?:just )?move on\b",
        # never again: "I'll never fly you guys again", "won't be ordering again" (a name
        # between reads as "[NAME]": "Never flying [NAME] or [NAME] ever again!")
        r"\bnever (?:\w+ ){0,3}?(?:fly|flying|flown|use|using|buy|buying|order|ordering|shop|"
        r"shopping|book|booking|travel|travell?ing|deal|dealing|come|coming|recommend\w*|go|"
        r"going)\b(?: \S+){0,5}? again\b",
        r"\b(?:won'?t|will not|wont|not) (?:be )?(?:using|flying|ordering|buying|shopping|"
        r"booking|travell?ing|coming back|dealing)(?: \S+){0,5}? (?:ever )?again\b",
        r"\bno more \w+ (?:in my future|for me)\b",
        r"\btake my (?:business|money|custom) (?:elsewhere|somewhere else)\b",
        r"\b(?:i'?m|im|i am|we'?re|we are) (?:\w+ )?(?:done|through|finished) with\b",
    ],
}

# v2: v1 with transfers in the sense of the call (v1's bare "transfer" also matched money
# and data: "my transfer to my friend failed", "transfer photos from my phone").
PAIN_PATTERNS_V2: dict[str, list[str]] = {
    **PAIN_PATTERNS_V1,
    "transfer_escalation": CONTACT_PATTERNS_V1["transfer_escalation"],
}

# German category cues for the same taxonomy, in the same order of precedence; used for
# calls in German (`AnalysisConfig.language_rules`), which no categoriser is trained for.
# Compound nouns are matched inside words ("Zugverspätung", "Kundenservice").
PAIN_PATTERNS_DE_V1: dict[str, list[str]] = {
    "cancellation": [
        r"\bk[üu]ndig\w*", r"\bk[üu]ndung\w*", r"\banbieter ?wechs\w*", r"\bwechsle\b",
        r"\bnie wieder\b", r"\bzur konkurrenz\b", r"\bvertrag (?:auf)?l[öo]s\w*",
    ],
    "refund": [r"erstatt\w*", r"\bgeld zur[üu]ck\b", r"entsch[äa]digung\w*", r"\bgutschrift\w*"],
    "repeat_contact": [
        r"\b(?:zum )?(?:zweiten|dritten|vierten|x-ten|\d+\.) mal\b", r"\bschon wieder\b",
        r"\bimmer noch\b", r"\bnach wie vor\b", r"\bwieder(?:holt|um)\b",
        r"\bschon (?:mehrfach|mehrmals|oft)\b",
    ],
    "billing": [
        r"rechnung\w*", r"\babbuch\w*", r"\babgebucht\b", r"geb[üu]hr\w*", r"\bpreis\w*",
        r"\bteuer\w*", r"\bkosten\w*", r"\bbezahlt\b", r"\bzahlung\w*", r"\blastschrift\w*",
        r"\bmahnung\w*", r"\bberechnet\b",
    ],
    "delivery": [
        r"liefer\w*", r"\bpaket\w*", r"\bsendung\w*", r"\bversand\w*", r"gep[äa]ck\w*",
        r"\bkoffer\w*", r"\bzugestellt\b", r"\bnicht angekommen\b",
    ],
    "waiting": [
        r"versp[äa]t\w*", r"\bwarte\w*", r"\bgewartet\b", r"\bwarteschleife\w*",
        r"\b(?:stunden|tage|wochen|minuten) (?:lang|sp[äa]ter)\b", r"\bkeine antwort\b",
        r"\bniemand (?:meldet|antwortet|geht ran)", r"\bzu sp[äa]t\b",
    ],
    "account_access": [
        r"\bpasswort\w*", r"\bkennwort\w*", r"\banmeld\w*", r"\beinlogg\w*", r"\blogin\b",
        r"\b(?:konto|account|zugang|karte|sim)\w* (?:\w+ )?gesperrt\b", r"\bzugangsdaten\b",
        r"\bpin\b", r"\bnicht (?:mehr )?einloggen\b",
    ],
    "defect_outage": [
        r"\bausf[äa]ll\w*", r"\bausgefallen\b", r"st[öo]rung\w*", r"\bkaputt\w*", r"\bdefekt\w*",
        r"\bfunktionier\w* (?:nicht|kaum|gar nicht)", r"\bgeht (?:nicht|gar nichts)\b",
        r"\bfehler\w*", r"st[üu]rz\w*", r"\w*schaden\b", r"\bbesch[äa]digt\w*",
        r"\bentf[äa]ll\w*", r"\bstehen ?geblieben\b", r"\bkein (?:netz|empfang|internet"
        r"|wlan|signal)\b", r"\blangsam\w*", r"\bpanne\w*", r"\bklimaanlage\w*", r"\bfällt aus\b",
    ],
    "agent_conduct": [
        r"\bunfreundlich\w*", r"\bunh[öo]flich\w*", r"\bfrech\w*", r"\binkompetent\w*",
        r"\bahnungslos\w*", r"kundenservice", r"kundendienst", r"\bhotline\b",
        r"\bmitarbeiter\w* (?:war|waren|ist|sind|hat|haben|sagt)", r"\baufgelegt\b",
    ],
    "transfer_escalation": [
        r"\bweiterverbunden\b", r"\bweitergeleitet\b", r"\bweiterverbind\w*",
        r"\bvorgesetzte\w*", r"\bbeschwerde\w*", r"\beskal\w*",
    ],
    "policy_process": [
        r"\brichtlinie\w*", r"\bnicht erlaubt\b", r"\bformular\w*", r"\bbedingungen\b",
        r"\bvorschrift\w*", r"\bbuchung\w*", r"\bumbuch\w*", r"\bsitzplatz\w*",
        r"\breservier\w*", r"\bb[üu]rokrati\w*",
    ],
}

# Conversational complaint cues: negative in a service conversation even without a
# negative word ("this is the third time I'm calling"). Each hit lowers sentiment.
COMPLAINT_CUES_V1: list[str] = [
    r"\b(?:second|third|fourth|fifth|\d+(?:st|nd|rd|th)) time\b",
    r"\bstill (?:not|no|hasn'?t|haven'?t|isn'?t|doesn'?t|can'?t|won'?t|waiting)\b",
    r"\b(?:hasn'?t|haven'?t|didn'?t|never) (?:arrived|received|got|gotten|heard|come|shown)",
    r"\bno (?:one|body|response|reply|answer|update)\b", r"\bnobody\b",
    r"\bwhy (?:is|are|do|does|did|can'?t|won'?t|hasn'?t|haven'?t)\b",
    r"\b(?:been|was|were) (?:waiting|on hold)\b", r"\bfor (?:hours|days|weeks|months)\b",
    r"\bunacceptable\b", r"\bridiculous\b", r"\bjoke\b", r"\bseriously\b", r"\bwtf\b",
    r"\bnot (?:working|happy|good enough|acceptable|resolved|fixed)\b", r"\bworst\b",
    r"\bcan'?t (?:believe|get|even|access|log)\b", r"\bkeeps? (?:happening|failing|crashing)\b",
    r"\bany (?:update|news)\b", r"\bwhat'?s going on\b", r"\bwhere is my\b",
    r"\bcharged (?:me )?twice\b", r"\bwon'?t (?:let|work|load)\b", r"\bdoesn'?t work\b",
]

# Problem reports: the customer states as a fact that something is broken, failed or went
# wrong ("outlook is not opening", "my card got declined", "I have a problem with my order",
# "the app keeps crashing"). Tweets show pain through emotion, so the airline-trained
# detector misses these plain, factual reports of spoken and chat requests ("outlook
# application is crashes": P(pain) 0.20). Each is a pain point in the pipeline unless its
# sentence reports the problem gone (`RESOLUTION_CUES_V1`). Negated forms do not count ("no
# errors", "never crashed"). Not used by sentiment. Measured in
# models/pain-detector/MODEL_CARD.md ("Problem reports").
_NOT_NEGATED = r"(?<!\bno )(?<!\bnot )(?<!n't )(?<!n’t )(?<!\bnever )(?<!\bwithout )(?<!\bany )"


def _unnegated(words: str) -> str:
    """`words` (alternatives) at a word start not just after a negation: the lookahead first,
    so the lookbehinds run only where a word matches (regex speed)."""
    return rf"\b(?=(?:{words}))" + _NOT_NEGATED + rf"(?:{words})"


_FAILS_TO = (r"(?:work|open|load|respond|connect|start|turn on|switch on|boot|sync|install"
             r"|download|upload|send|print|stream|log ?in|sign ?in|log on|go through|process"
             r"|activat|show up|come through)")
_ONE_WORD = r"(?:(?!not\b|never\b)\w+\s+)?"  # "was (also) declined", not "was not lost"
PROBLEM_CUES_V1: list[str] = [
    rf"(?:\bnot|n't|n’t|\bcannot|\bstopped)\s+(?:be\s+)?{_FAILS_TO}\w*",
    r"\bnever\s+(?:works|worked|loads|loaded|opens|opened|connects|connected|arrived|came)\b",
    _unnegated(r"crash(?:es|ed|ing)?|froze|freezes|freezing up|keeps? freezing"
               r"|glitch(?:es|ing|y)?|(?:is|are|was|were|been|got) frozen") + r"\b",
    _unnegated(r"broken|broke down|damaged|cracked|smashed") + r"\b",
    r"\b(?:i(?:'m|’m| am)?|we(?:'re| are)?|there(?:'s|’s| is| are| was| were| seems to be))"
    r"\s+(?:\w+\s+)?(?:have|having|had|got|getting|facing|experiencing|running into|is|are"
    r"|was|were|be)?\s*(?:a|an|some|serious|big|major|the same|another|many|several|lots of"
    r"|constant)\s+(?:\w+\s+)?(?:problems?|issues?|trouble|difficult(?:y|ies)|errors?)\b",
    r"\b(?:having|have|had|got) (?:some |a lot of |so much )?trouble\b",
    _unnegated(r"error(?:s| message| code)?") + r"\b",
    _unnegated(r"fail(?:ed|s|ing|ure)") + r"(?<!\ball else fails)(?<!\ball else failed)\b",
    r"\b(?:was|were|got|been|being|is|are|gets?|keeps? (?:getting|being))\s+"
    + _ONE_WORD + r"(?:declined|rejected|refused|blocked|locked|suspended|hacked|compromised)\b",
    r"\blocked out\b|\bforgot(?:ten)? (?:my |the )?(?:password|pin|passcode|login|username)\b",
    r"\b(?:not|never|n't|n’t)\s+(?:yet\s+)?(?:been\s+)?(?:received|arrived|delivered|credited"
    r"|reflected|refunded)\b",
    r"\b(?:lost|misplaced|stole|stolen)\s+(?:my|our|the|his|her|their)\b|\b(?:was|were|been"
    r"|got|is|are)\s+" + _ONE_WORD + r"(?:lost|stolen|misplaced)\b",
    r"\b(?:wrong|incorrect)\s+(?:\w+\s+)?(?:amount|item|order|charge|size|address|product"
    r"|bill|price|rate|information|info|name|seat|flight|bag|card|number|total|balance)s?\b",
    r"\b(?:unauthori[sz]ed|fraudulent|scammed|fraud(?:ulent)? (?:charges?|transactions?"
    r"|payments?|activity))\b",
    r"\b(?:don'?t|do not|didn'?t|did not) (?:recogni[sz]e|make|authori[sz]e) (?:this|that|these"
    r"|those|the|a|an) (?:\w+ )?(?:payments?|transactions?|purchases?|withdrawals?|charges?"
    r"|debits?|transfers?)\b",
    r"\b(?:over ?charged|double[- ]charged|charged (?:me )?(?:twice|double|two times|again"
    r"|extra|more than))\b",
    r"\b(?:is|are|was|so|very|too|really|extremely|running|working|been)\s+slow(?:ly)?\b",
    r"\bkeeps? (?:dropping|disconnecting|crashing|failing|logging me out|cutting out"
    r"|buffering|declining|rejecting)\b|\b(?:got|get|gets|keep getting|been|was|were)"
    r" (?:disconnected|cut off|logged out|kicked out)\b",
]

# Plain requests: a sentence that opens by asking for a routine service ("I need to
# transfer money to my savings account", "hi, i'd like to check the payment status of my last
# bill", "how do I add money to my card?", also after a self-introduction: "Good morning, my
# name is George, I want to pay my latest bill"), or that gives the customer's details to be
# identified ("My full name is ..., the policy number is ..."). The detector reads topic
# words as pain ("bill", "transfer", "policy": P 0.5-0.7), so a spoken or chat request often
# passed as a pain point. Such a sentence is no pain point when none of its words reports a
# problem ("report"): a negation,
# a fault, a charge, a refund, a cancellation, "back", "fixed" ("how do I get my card back",
# "I want to get my screen fixed" stay pain). `nlp.pain_points.is_plain_request` also asks
# that it holds no VADER negative word, no cue and no always-pain category. Measured in
# models/pain-detector/MODEL_CARD.md ("Plain requests").
_REQUEST_LEAD = (r"^\W*(?:(?:hi|hello|hey|yes|yeah|yep|ok|okay|um+|uh+|so|well|good (?:morning"
                 r"|afternoon|evening)|thanks?|thank you|please|sir|madam|ma'?am|there)\b"
                 r"[\s,.!]*|(?:my name is|my name's|this is)\s+(?:[^\s,.!?]+\s+){0,2}?"
                 r"[^\s,.!?]+[\s,.!]*(?:and\s+)?)*")
_REQUEST_FRAME = (r"(?:i(?:'d| would) like to|i want(?:ed)? to|i wanna|i need to|i(?:'m| am)"
                  r" (?:trying|looking|calling|hoping|wanting|wishing) to|i wish to|i'd love to"
                  r"|can (?:you|i|we)|could (?:you|i|we)|may i|would you|will you|how (?:do|can"
                  r"|would|should) (?:i|we)|please|help me|kindly)\s+(?:please\s+|help me\s+"
                  r"|just\s+|also\s+|quickly\s+)?")
_ROUTINE = (r"(?:pay|transfer|send|book|order|check|update|change|add|get|know|make|open|buy"
            r"|purchase|upgrade|renew|enroll|enrol|sign up|register|activate|set up|setup|find"
            r"|see|view|look|schedule|reserve|request|apply|start|move|top up|confirm|verify"
            r"|ask|find out|learn|use|switch|select|pick|choose|print|download|have|receive"
            r"|obtain)\b")
REQUEST_FRAMES_V1: dict[str, list[str]] = {
    "request": [_REQUEST_LEAD + _REQUEST_FRAME + _ROUTINE],
    # The customer's own details, as callers give them to be identified ("my full name is
    # ...", "my phone number is ...", "I was born on ..."): no reason for contact either.
    "details": [
        r"\bmy (?:full |first |last |middle |legal |registered )*name\b(?: \w+){0,3}? (?:is|'s)\b",
        r"\b(?:this is|it'?s|i am|i'm) \[name\]", r"\bborn (?:on|in)\b",
        r"\bmy (?:date of birth|birthday|d\.?o\.?b\.?)\b",
        r"\b(?:my|the) (?:\w+ )?(?:phone|telephone|cell|mobile|account|policy|member(?:ship)?"
        r"|customer|order|reference|confirmation|booking|claim|card|routing|bank|zip|postal"
        r"|social security|ssn) ?(?:code|number|no\.?|#|id)\b(?: \w+){0,4}? (?:is|was|would be"
        r"|should be|has to be|'s)\b",
        r"\bmy (?:e-?mail|mail|address|e-?mail address|home address|zip code|postcode)\b"
        r"(?: \w+){0,3}? (?:is|'s)\b",
        r"\b(?:number|e-?mail) you can (?:call|reach|contact|email) me\b",
    ],
    "report": [
        r"\b(?:not|no|never|nothing|nobody|cannot|can'?t|won'?t|didn'?t|doesn'?t|don'?t|isn'?t"
        r"|wasn'?t|haven'?t|hasn'?t|wrong|again|still|why)\b|n't|n’t",
        r"\b(?:unblock\w*|unlock\w*|swallow\w*|stuck|lost|stolen|missing|late|delay\w*"
        r"|declin\w*|reject\w*|fail\w*|error\w*|problems?|issues?|trouble|broken|damag\w*"
        r"|fraud\w*|disput\w*|complain\w*|refund\w*|charged|go through|back|get rid|delete"
        r"|close|cancel\w*|terminat\w*|reset|replac\w*|to work|out of|fix\w*|repair\w*)\b",
    ],
    # Words of VADER's lexicon that read negative but are routine in a request ("pay": -0.4),
    # left out before the negative-word check.
    "routine": [r"\bpay\b"],
}

# Resolution cues: the customer reports that the problem is gone ("It's working now", "No
# crashes now!", "the issue has been resolved"). Negated problem words read as a complaint to
# the trained models ("No crashes now!": P(pain) 0.63, sentiment -0.67), at the very turn a
# recovery ends on. `nlp.sentiment.count_resolution_cues` skips questions and hedged or
# reported ones ("Hope it is resolved soon", "told my issue has been resolved").
_PROBLEM = (r"(?:issues?|problems?|errors?|crash\w*|glitch\w*|trouble|outages?|freez\w*|bugs?"
            r"|disconnect\w*)")
RESOLUTION_CUES_V1: list[str] = [
    rf"\bno (?:more|further) {_PROBLEM}",
    rf"\b(?:no|not any|(?:haven'?t|hasn'?t|have not|has not|not) had any|had no) {_PROBLEM}"
    r"(?: \w+){0,3} (?:now|since|anymore|any more|so far|(?:in|for|over) the (?:last|past))\b",
    r"\b(?:hasn'?t|haven'?t|has not|have not) (?:crashed|frozen|froze|failed|dropped"
    r"|disconnected|happened|come back|returned)(?: again)?(?: \w+){0,2} (?:since|in the "
    r"(?:last|past)|for (?:the (?:last|past) )?(?:\w+ )?(?:days?|hours?|weeks?)|anymore"
    r"|any more)\b",
    r"\b(?:is|are|'s|’s|has been|have been|got|was|were) (?:now |finally |all |just )?"
    r"(?:fixed|resolved|sorted|solved)\b",
    r"(?<!stopped )(?<!not )(?<!n't )(?<!n’t )\b(?:works|working|worked) (?:again|now"
    r"|fine now|perfectly now|great now)\b",
    r"\ball (?:good|sorted|fixed|working) now\b",
    r"(?<!n't )(?<!n’t )(?<!not )(?<!never )(?<!to )\b(?:solved|fixed|resolved|sorted)(?: out)?"
    r" (?:the|my|this|that|it|everything)\b",
    r"\bnot (?:a |an )?(?:problem|issue) (?:anymore|any more)\b",
    r"\b(?:back to normal|back up and running|up and running again)\b",
]
# Words just before a resolution cue (up to three words) that make it a hope, a condition, a
# promise or a report rather than a fact ("Hope it's fixed soon", "as soon as the issue is
# resolved", "it should be working now", "told my issue has been resolved"), or a "but" after
# it in its sentence ("All good now, but...": a complaint follows).
RESOLUTION_HEDGES_V1: list[str] = [
    r"\b(?:hope|hoping|hopefully|until|til|till|before|when|if|once|as soon as|whether"
    r"|unless|told|said|supposed|thought|that|wish|need|want|get|should|will|would|may"
    r"|might)\b(?: \S+){0,3}\s*$",
]
RESOLUTION_CONTRASTS_V1: list[str] = [r"\b(?:but|though|however|except|yet|until|till)\b"]

# Polite negations that close a clause ("Okay no problem.", "That's not a problem at all!",
# "Not bad.", "No, I don't have any other questions."): their "no" and "problem" read as
# negative to a bag-of-words model (-0.6 to -0.9), so sentiment reads a turn without them.
# Only a phrase that ends its clause counts: "I have no problem with the app" keeps it.
_CLAUSE_END = r"(?=\s*(?:[,.!;:?]|$))"
COURTESY_PHRASES_V1: list[str] = [
    r"(?:\b(?:it'?s|that'?s|that is|it is)\s+)?\b(?:no|not an?|not any)\s+(?:problem|prob|"
    r"worries|worry|biggie|big deal|rush|hurry|bother|trouble)s?(?:\s+at\s+all)?" + _CLAUSE_END,
    r"\bnot\s+(?:too\s+|so\s+|that\s+)?bad" + _CLAUSE_END,
    r"\bno\s+complaints?(?:\s+(?:here|at\s+all))?" + _CLAUSE_END,
    r"\b(?:i\s+)?(?:don'?t|do\s+not)\s+(?:have|need)\s+any(?:thing)?(?:\s+(?:other|more|"
    r"further|else))?(?:\s+(?:questions?|help|assistance))?" + _CLAUSE_END,
    r"\bno\s+(?:other|more|further)\s+questions?" + _CLAUSE_END,
    r"\bnothing\s+else" + _CLAUSE_END,
]

# Words that a category needs in a sentence before the categoriser may give it
# (`nlp.pain_points.categorise_with_prior`): where the categoriser's best class is one of
# these and the sentence holds none of its words, the next best class wins. Both classes
# were learnt from short banking and chatbot messages and are given too freely to service
# dialogue (models/pain-category/MODEL_CARD.md, "Categories that need a word").
# `cancellation`, a churn threat that a leader acts on first, needs a word of leaving:
# cancelling, closing or deleting an account or a contract, going to a competitor, "never
# again". On the sample the categoriser read "I want to speak with someone" and "Horrible
# service" as churn. The v1 `cancellation` patterns are among them, so a churn threat the
# rules name is never overruled.
_LEAVABLE = (r"(?:account|contract|subscription|membership|plan|policy|service|line|number"
             r"|package|trial|order|booking|card|profile)s?")
_CHURN_CUES: list[str] = [
    *PAIN_PATTERNS_V1["cancellation"],
    r"\bcancel+\w*", r"\bterminat\w*", r"\bunsubscrib\w*", r"\bchurn\w*", r"\bdisconnect\w*",
    r"\b(?:close|closing|closed|delete|deleting|deleted|deactivat\w*|inactivat\w*|disable"
    r"|disabling|discontinu\w*|remove|removing|invalidat\w*|end|ending|stop|stopping"
    r"|shut(?:ting)? down|get rid of|cut(?: off)?)\b(?:\s+\w+){0,3}?\s+" + _LEAVABLE + r"\b",
    r"\b" + _LEAVABLE + r"\s+(?:to be |be |is |was |get |got )?(?:closed|closure|closing|deleted"
    r"|cancell?ed|terminated|deactivated|disabled)\b",
    r"\bleav(?:e|ing)\b", r"\bquit(?:s|ting)?\b",
    r"\bswitch(?:ing|ed)? (?:over |back )?(?:to|from|provider|carrier|bank|network|company)\b",
    r"\bmov(?:e|ing) (?:on|to)\b",
    r"\bgo(?:ing)? (?:over )?to (?:another|a different|your|the|a) ?(?:competit\w*|provider"
    r"|company|bank|carrier|network|airline)", r"\bcompetit\w*",
    r"\bchange (?:my |the |our )?(?:service|provider|company|bank|carrier|network|operator)s?\b",
    r"\bport(?:ing)? (?:my |our )?(?:number|line)s?\b",
    r"\bnever (?:\w+ ){0,2}(?:again|with (?:you|your))\b", r"\bever again\b",
    r"\b(?:done|through|finished) with\b", r"\btake my (?:business|money)\b",
    r"\b(?:stay|staying) with\b", r"\b(?:good)?bye to\b", r"#bye\b", r"\blast time i\b",
    r"\bno longer (?:want|need|use)\b",
    r"\b(?:don'?t|do not) (?:want|need) (?:this|my|the|your) \w+ any ?more\b",
]

# `account_access` needs a word of getting in: logging in, a password or PIN, a lock, a
# block or a ban, activation, verification, a hack, a lost or stolen card (the BANKING77 and
# MultiDoGO intents mapped to the class). On the sample it was given to app faults ("the
# achievements did not unlock" passes, "Why is it refusing to add music to my library" no
# longer does).
_ACCESS_CUES: list[str] = [
    r"\blog(?:ged|ging)? ?(?:in|on|out|into)\b", r"\blogin\w*",
    r"\bsign(?:ed|ing)? ?(?:in|on|into)\b", r"\bget (?:in ?to|into)\b", r"\bregist\w*",
    r"\b(?:de|re)?activat\w*", r"\bpass ?(?:word|code|phrase)s?\b", r"\bpins?\b", r"\b2fa\b",
    r"\btwo[- ]factor\b", r"\busername\b", r"\bcredentials?\b", r"\bcodes?\b",
    r"\b(?:un)?lock(?:ed|s|ing)?\b", r"\b(?:un)?block(?:ed|s|ing)?\b", r"\bban(?:ned|s)?\b",
    r"\bsuspend\w*", r"\bfreez\w*", r"\bfroze(?:n)? (?:my |the )?(?:account|card)",
    r"\bhack\w*", r"\bcompromis\w*", r"\bstole(?:n)?\b", r"\bsteal\w*", r"\bfraud\w*",
    r"\btook my\b", r"\blost\b", r"\bmiss(?:ed|ing)?\b", r"\bcan'?t find\b", r"\bmisplac\w*",
    r"\bwallet\b", r"\bpurse\b", r"\bcards?\b", r"\bverif\w*", r"\bidentit\w*", r"\bidentif\w*",
    r"\bauthenticat\w*", r"\bsecurity (?:question|code|check)\w*", r"\baccess\w*",
    r"\b(?:reset|recover\w*|forg[eo]t\w*)\b",
]
CATEGORY_CUES_V1: dict[str, list[str]] = {
    "cancellation": _CHURN_CUES,
    "account_access": _ACCESS_CUES,
}

# Words that intensify a complaint; used for severity.
SEVERITY_CUES_V1: list[str] = [
    r"\bunacceptable\b", r"\bridiculous\b", r"\bworst\b", r"\bnever again\b", r"\blawyer\b",
    r"\bsue\b", r"\bcancel\w*\b", r"\bdisgust\w*", r"\bfurious\b", r"\bterrible\b",
    r"\bhorrible\b", r"\bawful\b", r"\bwtf\b", r"\bf+u+c+k\w*", r"\bshit\w*", r"\bscam\w*",
]

# Agent-turn empathy markers (customer-service style), with weights for the empathy score.
EMPATHY_MARKERS_V1: dict[str, list[str]] = {
    "apology": [
        r"\b(?:i'?m|we'?re|i am|we are) (?:so |very |really |truly )?sorry\b", r"\bsorry\b",
        r"\bapolog\w+", r"\bmy apologies\b",
    ],
    "acknowledgement": [
        r"\bi (?:completely |totally |fully )?understand\b", r"\bwe understand\b",
        r"\bi can (?:see|imagine|understand)\b", r"\bthat (?:must|sounds|would be)\b",
        r"\bfrustrat\w+", r"\bi hear you\b",
        r"\bthat'?s not (?:ok|okay|what we want|the experience)",
        r"\bnot the (?:experience|service) we\b", r"\bdisappoint\w+", r"\binconvenien\w+",
        r"\bthanks? (?:you )?for (?:your patience|bearing with|letting us know|reaching out)",
    ],
    "ownership": [
        r"\blet me\b", r"\bi'?ll\b", r"\bi will\b", r"\bi'?m going to\b", r"\bwe'?ll\b",
        r"\bwe will\b", r"\bi'?ve (?:escalated|passed|sent|raised|fixed|issued|processed)",
        r"\btake care of\b", r"\blook into\b", r"\bpersonally\b", r"\bright away\b",
        r"\bi can help\b", r"\bhappy to (?:help|look|check)\b",
    ],
    "reassurance": [
        r"\bdon'?t worry\b", r"\brest assured\b", r"\bwe'?ll (?:get|have) (?:this|it|you)\b",
        r"\bwe'?re here\b", r"\bhere to help\b", r"\bmake (?:this|it|things) right\b",
        r"\bsort (?:this|it) out\b", r"\bget (?:this|it) (?:sorted|fixed|resolved)\b",
    ],
}
# The same marker kinds in German, for calls in German (`AnalysisConfig.language_rules`);
# written from German service phrasing, not validated on labelled German data (none here).
EMPATHY_MARKERS_DE_V1: dict[str, list[str]] = {
    "apology": [
        r"\b(?:es )?tut (?:mir|uns) (?:sehr |wirklich |aufrichtig |echt |so )?leid\b",
        r"\bentschuldig\w*", r"\bbedauer\w*", r"\bverzeihung\b", r"\bsorry\b",
    ],
    "acknowledgement": [
        r"\b(?:ich|wir) (?:kann |können )?(?:das |ihren ärger |ihre (?:frustration|verärgerung) )?"
        r"(?:gut |sehr gut |voll(?:kommen)? |absolut )?(?:verstehen|nachvollziehen)\b",
        r"\b(?:ich|wir) verstehe?n?\b", r"\b(?:verständlich|nachvollziehbar)\b",
        r"\bärgerlich\b", r"\bfrustrier\w*", r"\bunannehmlichkeit\w*",
        r"\bdanke(?:n)? (?:ihnen )?(?:für (?:ihre geduld|ihr verständnis|den hinweis|ihre "
        r"nachricht)|, dass sie sich (?:gemeldet|an uns gewandt))",
    ],
    "ownership": [
        r"\bich kümmere mich\b", r"\bwir kümmern uns\b", r"\bich werde\b", r"\bwir werden\b",
        r"\blassen sie mich\b", r"\bich (?:schaue|prüfe|kläre|sehe) (?:mir )?(?:das|nach)\b",
        r"\bich (?:habe|hab) (?:das |es |ihren fall )?(?:weitergeleitet|eskaliert|veranlasst"
        r"|erledigt|gutgeschrieben|storniert)", r"\bpersönlich\b", r"\bumgehend\b",
        r"\bgerne? (?:helfe|prüfe|schaue|kümmere)\b",
    ],
    "reassurance": [
        r"\bkeine sorge\b", r"\bseien sie (?:versichert|unbesorgt)\b",
        r"\bwir finden (?:eine|gemeinsam eine) lösung\b", r"\bdas bekommen wir (?:hin|gelöst)\b",
        r"\bwir sind für sie da\b", r"\bdas (?:bringen|kriegen) wir in ordnung\b",
    ],
}
EMPATHY_WEIGHTS_V1: dict[str, float] = {
    "apology": 0.6,  # a bare "sorry" alone stays below recovery's empathy bar (0.5)
    "acknowledgement": 0.8,
    "ownership": 0.5,
    "reassurance": 0.6,
}

_REGISTRY: dict[str, object] = {
    "pain_patterns.v1": PAIN_PATTERNS_V1,
    "pain_patterns.v2": PAIN_PATTERNS_V2,
    "contact_patterns.v1": CONTACT_PATTERNS_V1,
    "contact_patterns.v2": CONTACT_PATTERNS_V2,
    "churn_threats.v1": CHURN_THREATS_V1,
    "pain_patterns.de.v1": PAIN_PATTERNS_DE_V1,
    "complaint_cues.v1": COMPLAINT_CUES_V1,
    "problem_cues.v1": PROBLEM_CUES_V1,
    "request_frames.v1": REQUEST_FRAMES_V1,
    "severity_cues.v1": SEVERITY_CUES_V1,
    "category_cues.v1": CATEGORY_CUES_V1,
    "resolution_cues.v1": RESOLUTION_CUES_V1,
    "resolution_hedges.v1": RESOLUTION_HEDGES_V1,
    "resolution_contrasts.v1": RESOLUTION_CONTRASTS_V1,
    "courtesy_phrases.v1": COURTESY_PHRASES_V1,
    "empathy_markers.v1": EMPATHY_MARKERS_V1,
    "empathy_markers.de.v1": EMPATHY_MARKERS_DE_V1,
    "empathy_weights.v1": EMPATHY_WEIGHTS_V1,
}


def pattern_set_names() -> list[str]:
    """Every registered versioned name, sorted."""
    return sorted(_REGISTRY)


def regex_groups() -> list[tuple[str, tuple[str, ...]]]:
    """Every registered list of regexes, as the rule code compiles them: ("name:", list) for
    a set that is one list, ("name:key", list) per key of a set of labelled lists; sets of
    weights are left out. In `pattern_set_names` order."""
    groups = []
    for name in pattern_set_names():
        entry = _REGISTRY[name]
        for key, patterns in (entry.items() if isinstance(entry, dict) else [("", entry)]):
            if isinstance(patterns, list) and all(isinstance(p, str) for p in patterns):
                groups.append((f"{name}:{key}", tuple(patterns)))
    return groups


def get_patterns(name: str) -> object:
    """Return the pattern set registered under a versioned name, e.g. `pain_patterns.v1`."""
    try:
        return _REGISTRY[name]
    except KeyError as e:
        raise KeyError(f"unknown pattern set {name!r}; known: {sorted(_REGISTRY)}") from e


@cache
def compile_any(patterns: tuple[str, ...]) -> Prefiltered:
    """Compile a list of alternatives into one case-insensitive regex (cached).

    An apostrophe in a pattern also matches the typographic one that phones type ("can’t",
    "I’ll": 15 % of TweetSumm's customer turns), so no pattern has to spell both. No pattern
    puts an apostrophe inside a character class (checked by the tests). The regex runs only
    on texts that hold one of the words every match needs (`nlp.prefilter`; same results).
    """
    return Prefiltered(re.compile(
        "|".join(f"(?:{p.replace(_APOSTROPHE, _APOSTROPHES)})" for p in patterns),
        re.IGNORECASE))


_APOSTROPHE, _APOSTROPHES = "'", "['\u2019]"
