document.body.textContent = 'console'
