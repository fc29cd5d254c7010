;; exit: 1
;; A runtime error names the script's file:line, then the Lisp frames that led there.
(define (average l) (/ (sum l) (length l)))
(define (sum l)
  (if (null? l)
      0
      (+ (car l) (sum (cdr l)))))
(display (average '(1 2 3))) (newline)
(display (average '(1 two 3))) (newline)
(display "not reached") (newline)
