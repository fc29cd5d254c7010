;; Dicts are ohm dicts: keys by value (ints, floats, strings), symbols by identity.
(define d (make-dict))
(dict-set! d 'name "ohm")
(dict-set! d "lang" 'lisp)
(dict-set! d 1 'one)
(dict-set! d 2.0 'two)
(display (dict-get d 'name)) (newline)
(display (dict-get d "lang")) (newline)
(display (dict-get d 1.0)) (newline)      ; 1 and 1.0 are the same key, as in Python
(display (dict-get d 2)) (newline)
(display (dict-get d 'missing "default")) (newline)
(display (list (dict-has? d 'name) (dict-has? d 'nope) (dict-count d))) (newline)
(dict-set! d 'name "ohm 0.1")               ; replaces the value, keeps the order
(write (dict-keys d)) (newline)
(write d) (newline)
;; a word count
(define (count-words words counts)
  (if (null? words)
      counts
      (begin
        (dict-set! counts (car words) (+ 1 (dict-get counts (car words) 0)))
        (count-words (cdr words) counts))))
(write (count-words '(a b a c b a) (make-dict))) (newline)
;; a dict that holds itself prints as ...
(dict-set! d 'self d)
(write (dict-get d 'self)) (newline)
