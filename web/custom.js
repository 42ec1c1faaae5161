/* Telco CRM: the brand in the web client.  Installed into sao's web root by
   `make sao` (scripts/install_sao.sh).

   Before login, the login page carries the brand of the host it is served
   on (/<database>/telco/brand: the operator whose web host names list the
   host, else the neutral platform brand).  After login, the screens carry
   the brand the server gives the user (company.company.get_branding: his
   operator's, or the platform's for the platform administrators and for a
   user working for several operators at once).

   A brand gives its colours; the server adds the colour of the text written
   on them (black or white, from the colour's luminance) and a shade that
   reads on white (accent).  sao's theme derives from one colour, #267f82:
   every rule of sao's style sheet that uses a shade of it is written again
   with the same shade of the brand colour, and the icons are drawn in the
   accent colour.  custom.css keeps the text on the brand colour readable. */
(function() {
    'use strict';
    var SAO_COLOR = [0x26, 0x7f, 0x82];
    var SAO_DEFAULTS = {
        'title': Sao.config.title,
        'icon_color': Sao.config.icon_colors[0],
        'graph_color': Sao.config.graph_color,
        'calendar_color': Sao.config.calendar_colors[1],
    };
    var RGB = /rgba?\((\d+),\s*(\d+),\s*(\d+)(?:,\s*([\d.]+))?\)/g;

    // sao 8.0 gives a red whose blue is above its green (Ooredoo's #E30613)
    // a hue below 0, and writes a component under 16 with one digit: its
    // charts get colours like '#e3-76' or '#e3613' and their bars are not
    // drawn.  The same scheme, with the hue kept in [0, 1) and two digits
    // a component.
    Sao.common.generateColorscheme = function(masterColor, keys, light) {
        var rgb = Sao.common.hex2rgb(
            Sao.common.COLOR_SCHEMES[masterColor] || masterColor);
        var hsv = Sao.common.rgb2hsv(rgb);
        var h = hsv[0], s = hsv[1], v = hsv[2];
        if (light === undefined) {
            light = 0.1;
        }
        if (keys.length) {
            light = Math.min(light, (1 - v) / keys.length);
        }
        var golden_angle = 0.618033988749895;
        var colors = {};
        for (var i = 0; i < keys.length; i++) {
            colors[keys[i]] = '#' + Sao.common.hsv2rgb([
                    (((h + golden_angle * i) % 1) + 1) % 1, s,
                    (v + light * i) % 1,
                ]).map(function(c) {
                    return ('0' + Math.round(c * 255).toString(16)).slice(-2);
                }).join('');
        }
        return colors;
    };
    var WHITE = 'rgb(255, 255, 255)';

    function hex_rgb(hex) {
        return [1, 3, 5].map(function(i) {
            return parseInt(hex.substr(i, 2), 16);
        });
    }

    function rgb_hsl(rgb) {
        var r = rgb[0] / 255, g = rgb[1] / 255, b = rgb[2] / 255;
        var max = Math.max(r, g, b), min = Math.min(r, g, b);
        var l = (max + min) / 2, h = 0, s = 0, d = max - min;
        if (d) {
            s = l > 0.5 ? d / (2 - max - min) : d / (max + min);
            if (max == r) {
                h = (g - b) / d + (g < b ? 6 : 0);
            } else if (max == g) {
                h = (b - r) / d + 2;
            } else {
                h = (r - g) / d + 4;
            }
            h *= 60;
        }
        return [h, s, l];
    }

    function hsl_rgb(hsl) {
        var h = hsl[0] / 360, s = hsl[1], l = hsl[2];
        if (!s) {
            return [l, l, l].map(function(c) {
                return Math.round(c * 255);
            });
        }
        var q = l < 0.5 ? l * (1 + s) : l + s - l * s, p = 2 * l - q;
        return [h + 1 / 3, h, h - 1 / 3].map(function(t) {
            if (t < 0) {
                t += 1;
            }
            if (t > 1) {
                t -= 1;
            }
            var c = p;
            if (t < 1 / 6) {
                c = p + (q - p) * 6 * t;
            } else if (t < 1 / 2) {
                c = q;
            } else if (t < 2 / 3) {
                c = p + (q - p) * (2 / 3 - t) * 6;
            }
            return Math.round(c * 255);
        });
    }

    var SAO_HSL = rgb_hsl(SAO_COLOR);

    function clamp(value, low, high) {
        return Math.min(Math.max(value, low), high);
    }

    // one of the shades of sao's colour (and not Bootstrap's light blue)
    function sao_shade(rgb) {
        var hsl = rgb_hsl(rgb);
        return hsl[1] > 0.3 && Math.abs(hsl[0] - SAO_HSL[0]) < 5;
    }

    // the same shade of the brand colour: as much lighter or darker
    function brand_shade(rgb, base) {
        var hsl = rgb_hsl(rgb);
        return hsl_rgb([
            base[0],
            clamp(base[1] * hsl[1] / SAO_HSL[1], 0, 1),
            clamp(base[2] + hsl[2] - SAO_HSL[2], 0.03, 0.97),
        ]);
    }

    // the declarations of sao's style sheet that use its colour
    var sao_rules = null;
    function collect_rules() {
        var found = [];
        function walk(rules, media) {
            for (const rule of rules) {
                if (rule.cssRules && rule.media) {
                    walk(rule.cssRules, rule.media.mediaText);
                    continue;
                }
                if (!rule.style || !rule.selectorText) {
                    continue;
                }
                var declarations = [], background = false, white = false;
                for (var i = 0; i < rule.style.length; i++) {
                    var name = rule.style[i];
                    var value = rule.style.getPropertyValue(name);
                    var shaded = false;
                    value.replace(RGB, function(match, r, g, b) {
                        shaded = shaded || sao_shade([+r, +g, +b]);
                        return match;
                    });
                    if (shaded) {
                        declarations.push([
                            name, value,
                            rule.style.getPropertyPriority(name)]);
                        background = background || name == 'background-color';
                    } else if (name == 'color' && value == WHITE) {
                        white = true;
                    }
                }
                if (declarations.length) {
                    found.push({
                        'media': media,
                        'selector': rule.selectorText,
                        'declarations': declarations,
                        // white text on the colour: black or white by brand
                        'on_brand': background && white,
                    });
                }
            }
        }
        for (const sheet of document.styleSheets) {
            if (!sheet.href || !~sheet.href.indexOf('tryton-sao')) {
                continue;
            }
            try {
                walk(sheet.cssRules, null);
            } catch (e) {
                // a style sheet of another origin cannot be read
            }
        }
        return found;
    }

    function theme(brand) {
        if (sao_rules === null) {
            sao_rules = collect_rules();
        }
        var primary = rgb_hsl(hex_rgb(brand.primary_color));
        var accent = rgb_hsl(hex_rgb(brand.accent_color));
        var css = [];
        for (const rule of sao_rules) {
            // check boxes and radio buttons, white marks on the colour
            var mark = ~rule.selector.indexOf('input[type=');
            var declarations = rule.declarations.map(function(declaration) {
                var name = declaration[0], priority = declaration[2];
                // surfaces in the brand colour; text, lines and marks, most
                // often on white, in the shade that reads on white
                var base = (!name.indexOf('background') && !mark) ?
                    primary : accent;
                var value = declaration[1].replace(
                    RGB, function(match, r, g, b, a) {
                        var rgb = [+r, +g, +b];
                        if (!sao_shade(rgb)) {
                            return match;
                        }
                        rgb = brand_shade(rgb, base);
                        if (a !== undefined) {
                            return 'rgba(' + rgb.join(', ') + ', ' + a + ')';
                        }
                        return 'rgb(' + rgb.join(', ') + ')';
                    });
                return name + ': ' + value + (
                    priority ? ' !important' : '');
            });
            if (rule.on_brand) {
                declarations.push('color: ' + brand.text_color);
            }
            var block = rule.selector + ' { ' + declarations.join('; ') + ' }';
            css.push(rule.media ? '@media ' + rule.media + ' { ' + block + ' }'
                : block);
        }
        return css.join('\n');
    }

    function set_icon_color(color) {
        if (Sao.config.icon_colors[0] != color) {
            Sao.config.icon_colors[0] = color;
            // the icons drawn from now on take the colour
            Sao.common.ICONFACTORY._icons = {};
        }
    }

    function apply_brand(brand) {
        var root = document.documentElement;
        var style = jQuery('#telco-brand-theme');
        if (!style.length) {
            style = jQuery('<style/>', {'id': 'telco-brand-theme'})
                .appendTo('head');
        }
        var meta = jQuery('meta[name="theme-color"]');
        if (!meta.length) {
            meta = jQuery('<meta/>', {'name': 'theme-color'})
                .appendTo('head');
        }
        var logos = jQuery('.telco-logo');
        if (!brand) {
            root.classList.remove('telco-branded', 'telco-text-dark');
            style.text('');
            meta.remove();
            logos.remove();
            set_icon_color(SAO_DEFAULTS.icon_color);
            Sao.config.graph_color = SAO_DEFAULTS.graph_color;
            Sao.config.calendar_colors[1] = SAO_DEFAULTS.calendar_color;
            Sao.config.title = SAO_DEFAULTS.title;
            Sao.set_title();
            return;
        }
        root.style.setProperty('--telco-primary', brand.primary_color);
        root.style.setProperty('--telco-secondary', brand.secondary_color);
        root.style.setProperty('--telco-text', brand.text_color);
        root.style.setProperty('--telco-accent', brand.accent_color);
        root.classList.add('telco-branded');
        root.classList.toggle(
            'telco-text-dark', brand.text_color == '#000000');
        style.text(theme(brand));
        meta.attr('content', brand.primary_color);
        set_icon_color(brand.accent_color);
        Sao.config.graph_color = brand.accent_color;
        Sao.config.calendar_colors[1] = brand.primary_color;
        Sao.config.title = brand.name;
        Sao.set_title();
        if (brand.logo) {
            // beside the operator's name in the top bar, atop the login
            jQuery('.navbar-header > .navbar-brand, .login-dialog .modal-header')
                .each(function() {
                    var place = jQuery(this);
                    var logo = place.children('.telco-logo');
                    if (!logo.length) {
                        logo = jQuery('<img/>', {'class': 'telco-logo'});
                        var title = place.children('#title');
                        if (title.length) {
                            logo.insertBefore(title);
                        } else {
                            logo.prependTo(place);
                        }
                    }
                    logo.attr({'src': brand.logo, 'alt': brand.name});
                });
        } else {
            logos.remove();
        }
    }

    // the brand of the user's screens, once logged in
    function load_branding(session) {
        return Sao.rpc({
            'method': 'model.company.company.get_branding',
            'params': [session.context],
        }, session).then(apply_brand, function() {
            apply_brand(null);
        });
    }
    var reload_context = Sao.Session.prototype.reload_context;
    Sao.Session.prototype.reload_context = function() {
        var session = this;
        return reload_context.apply(this, arguments).then(function(result) {
            return load_branding(session).then(function() {
                return result;
            });
        });
    };

    // the brand of the host on the login page, before anyone logs in
    var login_database = null;
    function load_login_brand(database) {
        if (!database || database == login_database) {
            return;
        }
        login_database = database;
        jQuery.ajax({
            'url': encodeURIComponent(database) + '/telco/brand',
            'type': 'GET',
            'dataType': 'json',
        }).then(function(brand) {
            if (login_database == database) {
                apply_brand(brand);
            }
        }, function() {
            if (login_database == database) {
                apply_brand(null);
            }
        });
    }
    var login_dialog = Sao.Session.login_dialog;
    Sao.Session.login_dialog = function() {
        var dialog = login_dialog.apply(this, arguments);
        var in_url = window.location.hash.replace(/^(#(!|))/, '')
            .split('/', 1)[0];
        var database = function() {
            return in_url || dialog.database_select.val() ||
                dialog.database_input.val();
        };
        login_database = null;
        dialog.database_select.add(dialog.database_input).on(
            'change', function() {
                load_login_brand(database());
            });
        // the list of the databases fills the dialog a moment later; where
        // the server does not list them ([database] list = False), sao
        // shows an empty field even when the address names the database:
        // it is filled in with that name
        var tries = 0, loaded = false;
        var wait = window.setInterval(function() {
            tries += 1;
            var input = dialog.database_input;
            if (in_url && input.is(':visible') && !input.val()) {
                input.val(in_url);
            }
            if (!loaded && database()) {
                loaded = true;
                load_login_brand(database());
            }
            var answered = dialog.database_select.is(':visible') ||
                input.is(':visible');
            if ((loaded && answered) || tries > 1200 ||
                    !jQuery.contains(document, dialog.modal[0])) {
                window.clearInterval(wait);
            }
        }, 50);
        return dialog;
    };
}());

// Graphs of counts (claims, customers) show whole numbers on their axis:
// sao leaves the ticks to the chart library, which puts 0.5 between 0 and 1
(function() {
    var Chart = Sao.View.Graph.Chart;
    var base = Chart.prototype._bb_config;
    Chart.prototype._bb_config = function(data) {
        var config = base.call(this, data);
        var fields = this.view.screen.model.fields;
        var counts = this.yfields.every(function(yfield) {
            return yfield.name == '#' || (fields[yfield.name] &&
                fields[yfield.name].description.type == 'integer');
        });
        if (counts && config.axis) {
            config.axis.y = jQuery.extend(config.axis.y || {}, {
                tick: {
                    format: function(value) {
                        return Number.isInteger(value) ?
                            value.toLocaleString() : '';
                    },
                },
            });
        }
        return config;
    };
}());

// A text field whose spell-check language is not set yet (a new
// translation) made sao fail on drawing the form
(function() {
    var bc47 = Sao.i18n.BC47;
    Sao.i18n.BC47 = function(lang) {
        return lang ? bc47(lang) : '';
    };
}());
