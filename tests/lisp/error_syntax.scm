;; exit: 1
;; A syntax error stops the script before the form runs; the forms before it ran.
(display "before") (newline)
(define (broken x)
  (if (< x 0)
      "negative"
      "positive")
(display "never")
