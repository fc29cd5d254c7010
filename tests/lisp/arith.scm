;; Numbers: ohm ints (exact, 64-bit, overflow is an error) and floats.
(define (show x) (write x) (newline))
(show (+ 1 2 3))
(show (+))
(show (* 2 3 7))
(show (- 10 4 3))
(show (- 5))
(show (/ 12 4))          ; exact: an int
(show (/ 7 2))           ; inexact: a float
(show (/ 2))
(show (+ 1 2.5))
(show (* 1.5 2))         ; a float, printed as such
(show 0.1)
(show (+ 0.1 0.2))       ; the shortest text that reads back as the same double
(show 1e21)
(show -0.0)
(show (remainder 17 5))
(show (remainder -17 5))         ; the sign of the dividend, as C's %
(show 9223372036854775807)
(show (- -9223372036854775807 1))
(show 123456789012345678901234)   ; too big for an int: read as a float
(show (list (= 1 1) (= 1 1.0) (< 1 2 3) (< 1 3 2) (>= 3 3 2) (<= 1.5 2) (> 2 1)))
(show (number->string 255))
(show (number->string 2.5))
(show (list (number? 1) (number? 1.5) (number? "1")))
