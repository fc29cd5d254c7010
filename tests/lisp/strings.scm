;; Strings are ohm strs; symbols are interned names; write quotes, display does not.
(define s (string-append "hello" ", " "world"))
(display s) (newline)
(write s) (newline)
(write (string-length s)) (newline)
(write (string-append)) (newline)
(write "tab\there \"quoted\" back\\slash\nnewline") (newline)
(display "tab\there \"quoted\" back\\slash\nnewline") (newline)
(write (list 'sym (symbol->string 'sym) (string->symbol "made")))
(newline)
;; a one-character string and the symbol with that name stay different things
(write (list "a" 'a (string? "a") (symbol? "a") (symbol? 'a) (equal? "a" 'a)))
(newline)
(write (eq? 'abc (string->symbol (string-append "a" "bc"))))   ; one symbol per name
(newline)
(write (equal? "abc" (string-append "a" "bc")))
(newline)
(write "multi
line")
(newline)
