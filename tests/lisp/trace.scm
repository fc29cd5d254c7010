;; The frame provider: with tracing on, ohm charges the memory allocated while this
;; script runs to the script's own lines and functions, not to the interpreter's C.
(define (make-strings n acc)
  (if (= n 0)
      acc
      (make-strings (- n 1) (cons (string-append "item-" (number->string n)) acc))))

(trace-start 1)
(define kept (make-strings 1000 '()))      ; 1000 strings and 1000 pairs stay alive

;; (trace-lines) lists (file line function count) per line, biggest first
(define (find-line entries line)
  (if (null? entries)
      #f
      (if (= (car (cdr (car entries))) line)
          (car entries)
          (find-line (cdr entries) line))))
(define entry (find-line (trace-lines) 6))
(display (list 'file (car entry))) (newline)
(display (list 'line (car (cdr entry)))) (newline)
(display (list 'function (car (cdr (cdr entry))))) (newline)
(display (list 'holds-2000-blocks (>= (car (cdr (cdr (cdr entry)))) 2000))) (newline)
;; and it is the line holding the most
(display (list 'biggest (equal? (car (trace-lines)) entry))) (newline)
